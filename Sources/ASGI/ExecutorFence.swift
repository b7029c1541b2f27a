/// Ends a stretch of code that called an async closure, so that the optimiser can drop the
/// executor check it would otherwise make after the call.
///
/// After a call through a `nonisolated(nonsending)` closure the compiler re-checks the executor
/// (`swift_task_switch`), although such a closure returns on the caller's executor. With a
/// task-executor preference, as every request task here has, that check reads the preference
/// under the task's status-record lock: a few hundred instructions. When the next thing after
/// the call is a call to an async function whose body the optimiser sees and which uses no
/// isolation (this one), the check is dead and goes; the call costs one small async frame.
/// Put it right after the closure call, before anything reads or writes memory: at the end of a
/// function, or first in the code that follows the call.
@inlinable @inline(never)
package func afterClosureCall() async {}
