using Doppel.Storage;

namespace Doppel.Application.Sets;

/// <summary>What a caller asks of a set (or what processing reports), each a move in <see cref="SetTransitions"/>.</summary>
public enum SetAction
{
    /// <summary>One image or ignored pair added or removed (a bulk add leaves the state as it is, as HOPE does).</summary>
    Modify,
    Process,
    /// <summary>Processing finished (internal).</summary>
    Complete,
    /// <summary>Processing failed (internal).</summary>
    Fail,
    Cancel,
    Retry,
    Approve,
    Reject,
}

/// <summary>
/// The explicit transition table of a deduplication set: every legal (state, action) pair and the state it
/// leads to; anything else is a 409. HOPE's cycle: created Ready; a change makes it Modified; process →
/// Processing → Ready or Failed; approve → Inactive, reject → Rejected (closed: the group may open a new set).
/// Doppel adds cancel (Processing → Modified) and retry (Failed → Processing). Approve needs processed results
/// (Ready, or Modified by a review); nothing moves a closed set.
/// </summary>
public static class SetTransitions
{
    private static readonly Dictionary<(SetState, SetAction), SetState> Table = new()
    {
        [(SetState.Ready, SetAction.Modify)] = SetState.Modified,
        [(SetState.Modified, SetAction.Modify)] = SetState.Modified,
        [(SetState.Failed, SetAction.Modify)] = SetState.Modified,

        [(SetState.Ready, SetAction.Process)] = SetState.Processing,
        [(SetState.Modified, SetAction.Process)] = SetState.Processing,
        [(SetState.Failed, SetAction.Process)] = SetState.Processing,
        [(SetState.Failed, SetAction.Retry)] = SetState.Processing,

        [(SetState.Processing, SetAction.Complete)] = SetState.Ready,
        [(SetState.Processing, SetAction.Fail)] = SetState.Failed,
        [(SetState.Processing, SetAction.Cancel)] = SetState.Modified,

        [(SetState.Ready, SetAction.Approve)] = SetState.Inactive,
        // A reviewer's ignored pair makes a processed set Modified (HOPE's rule); approving it then accepts the
        // reviewed findings as they stand, as the HOPE client does right after marking pairs.
        [(SetState.Modified, SetAction.Approve)] = SetState.Inactive,
        [(SetState.Ready, SetAction.Reject)] = SetState.Rejected,
        [(SetState.Modified, SetAction.Reject)] = SetState.Rejected,
        [(SetState.Failed, SetAction.Reject)] = SetState.Rejected,
    };

    /// <summary>Every legal move, for documentation and the OpenAPI description.</summary>
    public static IEnumerable<(SetState From, SetAction Action, SetState To)> All => Table.Select(e => (e.Key.Item1, e.Key.Item2, e.Value));

    public static bool TryNext(SetState from, SetAction action, out SetState to) => Table.TryGetValue((from, action), out to);

    /// <summary>The states <paramref name="action"/> may start from.</summary>
    public static IReadOnlyCollection<SetState> From(SetAction action) => Table.Keys.Where(k => k.Item2 == action).Select(k => k.Item1).ToList();

    /// <summary>The state <paramref name="action"/> leads to from <paramref name="from"/>; <see cref="ConflictException"/> when illegal.</summary>
    public static SetState Next(SetState from, SetAction action) =>
        TryNext(from, action, out var to)
            ? to
            : throw new ConflictException(from == SetState.Processing && action == SetAction.Process
                ? "The set is already processing."
                : $"A set in state {from} cannot {action.ToString().ToLowerInvariant()} (allowed from: {string.Join(", ", From(action))}).");
}
