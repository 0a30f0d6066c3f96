using Microsoft.EntityFrameworkCore.Update;

namespace Headless.Data;

/// <summary>
/// EF Core's SQLite provider sends one command per changed row. Microsoft.Data.Sqlite, for its part, binds every
/// parameter of a command to every statement in it (one native name lookup per pair), so a multi-statement command
/// costs statements x parameters: one command for a 250-line checkout's ~750 rows made that checkout quadratic
/// (1.6 s and 309 MB). Commands of a few rows keep both costs linear. SQLite runs in the process, so more commands
/// are more function calls, not more round trips (README "Round trips").
/// </summary>
internal sealed class SqliteBatchingModificationCommandBatchFactory(ModificationCommandBatchFactoryDependencies dependencies)
    : IModificationCommandBatchFactory
{
    /// <summary>Measured with CartMutationBenchmarks (README "Benchmarks"): the binding cost grows with it, the per-command cost shrinks.</summary>
    internal const int RowsPerCommand = 16;

    public ModificationCommandBatch Create() => new Batch(dependencies);

    private sealed class Batch(ModificationCommandBatchFactoryDependencies dependencies)
        : AffectedCountModificationCommandBatch(dependencies, RowsPerCommand);
}
