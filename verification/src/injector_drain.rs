//! Emptying an injector at the end of a model, once every other thread is joined.

use filch_injector::{Injector, Steal};

/// Takes what is left in `injector`, in FIFO order. Call it only with every other thread joined:
/// then no claim can be in progress, so a `Retry` is a bug and panics.
pub fn drain<T>(injector: &Injector<T>) -> Vec<T> {
    let mut rest = Vec::new();
    loop {
        match injector.steal() {
            Steal::Success(item) => rest.push(item),
            Steal::Retry => panic!("Retry with every other thread joined"),
            Steal::Empty => return rest,
        }
    }
}
