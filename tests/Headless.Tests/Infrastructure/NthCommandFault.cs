using System.Data.Common;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;

namespace Headless.Tests.Infrastructure;

/// <summary>When the injected failure strikes: before the command runs, or after it ran (its result, or the commit's acknowledgement, is lost).</summary>
public enum FaultTiming
{
    Before,
    After,
}

/// <summary>What a counted database command was: a read, a write (INSERT, UPDATE, DELETE) on its own or inside a transaction, or a transaction commit.</summary>
public enum CommandKind
{
    Read,
    Write,
    TransactionWrite,
    Commit,
}

/// <summary>
/// Fails exactly the Nth database command of one operation, like a connection dropped mid-request: a plain
/// <see cref="DbException"/> that is not contention, so no retry inside the service absorbs it. Every command counts,
/// reads and writes alike, and so does every transaction commit (the COMMIT statement). Counting starts at
/// <see cref="Arm"/> and covers only the work that flows from the arming code (an AsyncLocal; the app must preserve
/// the test's execution context, see <see cref="AddTo"/>), so background workers never shift N.
/// </summary>
public sealed class NthCommandFault : DbCommandInterceptor, IDbTransactionInterceptor
{
    private readonly AsyncLocal<Plan?> _current = new();

    /// <summary>Registers the interceptor and makes the test server run requests in the caller's execution context.</summary>
    public void AddTo(IServiceCollection services)
    {
        services.AddSingleton<IInterceptor>(this);
        services.Configure<TestServerOptions>(o => o.PreserveExecutionContext = true);
    }

    /// <summary>Counts commands and fails the <paramref name="failAt"/>th (0: never) until the plan is disposed.</summary>
    public Plan Arm(int failAt, FaultTiming timing = FaultTiming.Before)
    {
        var plan = new Plan(this, failAt, timing);
        _current.Value = plan;
        return plan;
    }

    /// <summary>Counts commands without failing any.</summary>
    public Plan Count() => Arm(0);

    /// <summary>
    /// Every failure point of an operation that sent <paramref name="commands"/>: before each command, and after each
    /// command whose effect outlives the failure (a commit, a write outside a transaction), when the work is done but
    /// the answer is lost. After a read, or after a write inside a transaction that the failure rolls back, is the same
    /// as before the next command, so those are not run twice.
    /// </summary>
    public static IReadOnlyList<(int N, FaultTiming Timing)> Points(IReadOnlyList<(CommandKind Kind, string Text)> commands) =>
        Enumerable.Range(1, commands.Count).Select(n => (n, FaultTiming.Before))
            .Concat(Enumerable.Range(1, commands.Count).Where(n => commands[n - 1].Kind is CommandKind.Commit or CommandKind.Write).Select(n => (n, FaultTiming.After)))
            .ToList();

    /// <summary>One armed operation: what it sent, and whether the fault struck.</summary>
    public sealed class Plan(NthCommandFault owner, int failAt, FaultTiming timing) : IDisposable
    {
        private readonly List<(CommandKind Kind, string Text)> _commands = [];
        private bool _disposed;

        public int FailAt { get; } = failAt;

        public FaultTiming Timing { get; } = timing;

        /// <summary>The commands counted so far, in order.</summary>
        public IReadOnlyList<(CommandKind Kind, string Text)> Commands
        {
            get
            {
                lock (_commands)
                {
                    return [.. _commands];
                }
            }
        }

        /// <summary>The command the fault struck, once it did.</summary>
        public string? Struck { get; private set; }

        private readonly System.Runtime.CompilerServices.ConditionalWeakTable<object, System.Runtime.CompilerServices.StrongBox<int>> _positions = [];

        /// <summary>
        /// Called before and after each command (<paramref name="subject"/>: the DbCommand or DbTransaction); true when
        /// the fault strikes here. A command's number is fixed when it starts, so commands that overlap do not shift it.
        /// </summary>
        internal bool Next(object subject, CommandKind kind, string text, FaultTiming at)
        {
            lock (_commands)
            {
                if (_disposed)
                {
                    return false;
                }

                int n;
                if (at == FaultTiming.Before)
                {
                    _commands.Add((kind, text));
                    n = _commands.Count;
                    _positions.AddOrUpdate(subject, new(n));
                }
                else if (_positions.TryGetValue(subject, out var position))
                {
                    n = position.Value;
                }
                else
                {
                    return false;
                }

                if (n != FailAt || at != Timing || Struck is not null)
                {
                    return false;
                }

                Struck = $"{n} {kind} {Timing}: {text}";
                return true;
            }
        }

        public void Dispose()
        {
            lock (_commands)
            {
                _disposed = true;
            }

            if (owner._current.Value == this)
            {
                owner._current.Value = null;
            }
        }
    }

    private void Check(object subject, CommandKind kind, string text, FaultTiming at)
    {
        if (_current.Value is { } plan && plan.Next(subject, kind, text, at))
        {
            throw new InjectedDatabaseFault($"Injected database failure ({plan.Struck}).");
        }
    }

    private static CommandKind KindOf(DbCommand command)
    {
        var sql = command.CommandText.TrimStart();
        return sql.StartsWith("INSERT", StringComparison.OrdinalIgnoreCase) || sql.StartsWith("UPDATE", StringComparison.OrdinalIgnoreCase) ||
            sql.StartsWith("DELETE", StringComparison.OrdinalIgnoreCase) || sql.Contains("\nUPDATE ", StringComparison.OrdinalIgnoreCase) ||
            sql.Contains("\nINSERT ", StringComparison.OrdinalIgnoreCase) || sql.Contains("\nDELETE ", StringComparison.OrdinalIgnoreCase)
            ? command.Transaction is null ? CommandKind.Write : CommandKind.TransactionWrite
            : CommandKind.Read;
    }

    private static string Short(DbCommand command) => command.CommandText.Length > 120 ? command.CommandText[..120] : command.CommandText;

    public override InterceptionResult<DbDataReader> ReaderExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result)
    {
        Check(command, KindOf(command), Short(command), FaultTiming.Before);
        return result;
    }

    public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
    {
        Check(command, KindOf(command), Short(command), FaultTiming.Before);
        return ValueTask.FromResult(result);
    }

    public override DbDataReader ReaderExecuted(DbCommand command, CommandExecutedEventData eventData, DbDataReader result)
    {
        try
        {
            Check(command, KindOf(command), Short(command), FaultTiming.After);
        }
        catch (InjectedDatabaseFault)
        {
            result.Dispose();
            throw;
        }

        return result;
    }

    public override async ValueTask<DbDataReader> ReaderExecutedAsync(DbCommand command, CommandExecutedEventData eventData, DbDataReader result, CancellationToken cancellationToken = default)
    {
        try
        {
            Check(command, KindOf(command), Short(command), FaultTiming.After);
        }
        catch (InjectedDatabaseFault)
        {
            await result.DisposeAsync();
            throw;
        }

        return result;
    }

    public override InterceptionResult<int> NonQueryExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<int> result)
    {
        Check(command, KindOf(command), Short(command), FaultTiming.Before);
        return result;
    }

    public override ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        Check(command, KindOf(command), Short(command), FaultTiming.Before);
        return ValueTask.FromResult(result);
    }

    public override int NonQueryExecuted(DbCommand command, CommandExecutedEventData eventData, int result)
    {
        Check(command, KindOf(command), Short(command), FaultTiming.After);
        return result;
    }

    public override ValueTask<int> NonQueryExecutedAsync(DbCommand command, CommandExecutedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        Check(command, KindOf(command), Short(command), FaultTiming.After);
        return ValueTask.FromResult(result);
    }

    public override InterceptionResult<object> ScalarExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<object> result)
    {
        Check(command, KindOf(command), Short(command), FaultTiming.Before);
        return result;
    }

    public override ValueTask<InterceptionResult<object>> ScalarExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<object> result, CancellationToken cancellationToken = default)
    {
        Check(command, KindOf(command), Short(command), FaultTiming.Before);
        return ValueTask.FromResult(result);
    }

    public override object? ScalarExecuted(DbCommand command, CommandExecutedEventData eventData, object? result)
    {
        Check(command, KindOf(command), Short(command), FaultTiming.After);
        return result;
    }

    public override ValueTask<object?> ScalarExecutedAsync(DbCommand command, CommandExecutedEventData eventData, object? result, CancellationToken cancellationToken = default)
    {
        Check(command, KindOf(command), Short(command), FaultTiming.After);
        return ValueTask.FromResult(result);
    }

    public InterceptionResult TransactionCommitting(DbTransaction transaction, TransactionEventData eventData, InterceptionResult result)
    {
        Check(transaction, CommandKind.Commit, "COMMIT", FaultTiming.Before);
        return result;
    }

    public ValueTask<InterceptionResult> TransactionCommittingAsync(DbTransaction transaction, TransactionEventData eventData, InterceptionResult result, CancellationToken cancellationToken = default)
    {
        Check(transaction, CommandKind.Commit, "COMMIT", FaultTiming.Before);
        return ValueTask.FromResult(result);
    }

    public void TransactionCommitted(DbTransaction transaction, TransactionEndEventData eventData) =>
        Check(transaction, CommandKind.Commit, "COMMIT", FaultTiming.After);

    public Task TransactionCommittedAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Check(transaction, CommandKind.Commit, "COMMIT", FaultTiming.After);
        return Task.CompletedTask;
    }
}

/// <summary>The injected failure: a provider-neutral database error that is not contention.</summary>
public sealed class InjectedDatabaseFault(string message) : DbException(message);
