using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Headless.Events;

/// <summary>
/// Announces, once a transaction has committed, how far each organization's event log now reaches. Subscriptions
/// (<see cref="EventFeed"/>) and the cross-instance fan-out listen; nothing is announced for a transaction that rolls
/// back, so no subscriber is ever woken for an event that does not exist. The announcement carries no event data:
/// listeners read the committed events from the log themselves.
/// </summary>
public sealed class EventCommits
{
    // Positions placed by a context's current transaction, by organization; read when it commits.
    private static readonly ConditionalWeakTable<DbContext, Dictionary<long, long>> Pending = new();

    /// <summary>Raised after commit with (organization, last position written).</summary>
    public event Action<long, long>? Committed;

    /// <summary>
    /// Tells the listeners of this instance that an organization's log reaches <paramref name="position"/>. The change
    /// has committed whatever a listener does: one that throws is skipped (listeners only wake readers, and every reader
    /// also polls the log), so an announcement can never turn a committed change into a failed request.
    /// </summary>
    public void Announce(long organizationId, long position)
    {
        if (Committed is not { } listeners)
        {
            return;
        }

        foreach (var listener in listeners.GetInvocationList().Cast<Action<long, long>>())
        {
            try
            {
                listener(organizationId, position);
            }
            catch (Exception)
            {
                // See above: the poll delivers what this listener would have woken.
            }
        }
    }

    internal static void Placed(DbContext db, long organizationId, long position)
    {
        var placed = Pending.GetOrCreateValue(db);
        lock (placed)
        {
            placed[organizationId] = Math.Max(position, placed.GetValueOrDefault(organizationId));
        }
    }

    internal void Ended(DbContext? db, bool committed)
    {
        if (db is null || !Pending.TryGetValue(db, out var placed))
        {
            return;
        }

        KeyValuePair<long, long>[] positions;
        lock (placed)
        {
            positions = [.. placed];
            placed.Clear();
        }

        if (!committed)
        {
            return;
        }

        foreach (var (organizationId, position) in positions)
        {
            Announce(organizationId, position);
        }
    }
}

/// <summary>Hands each transaction's end to <see cref="EventCommits"/>.</summary>
internal sealed class EventCommitInterceptor(EventCommits commits) : DbTransactionInterceptor
{
    public override void TransactionCommitted(DbTransaction transaction, TransactionEndEventData eventData) => commits.Ended(eventData.Context, committed: true);

    public override Task TransactionCommittedAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        commits.Ended(eventData.Context, committed: true);
        return Task.CompletedTask;
    }

    public override void TransactionRolledBack(DbTransaction transaction, TransactionEndEventData eventData) => commits.Ended(eventData.Context, committed: false);

    public override Task TransactionRolledBackAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        commits.Ended(eventData.Context, committed: false);
        return Task.CompletedTask;
    }

    public override void TransactionFailed(DbTransaction transaction, TransactionErrorEventData eventData) => commits.Ended(eventData.Context, committed: false);

    public override Task TransactionFailedAsync(DbTransaction transaction, TransactionErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        commits.Ended(eventData.Context, committed: false);
        return Task.CompletedTask;
    }
}
