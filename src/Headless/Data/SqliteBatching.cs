using Microsoft.EntityFrameworkCore.Update;

namespace Headless.Data;

/// <summary>
/// EF Core's SQLite provider sends one command per changed row. Carts save hundreds of lines at once and
/// the project promises a number of SQL commands per operation that does not grow with the lines, so on
/// SQLite changes are batched into multi-statement commands, as the server providers already do.
/// Microsoft.Data.Sqlite runs every statement of a command and returns each result set in turn.
/// </summary>
internal sealed class SqliteBatchingModificationCommandBatchFactory(ModificationCommandBatchFactoryDependencies dependencies)
    : IModificationCommandBatchFactory
{
    // Enough for the largest save in one command: checking out a full cart (Cart.MaxLines) writes about three events per line.
    private const int RowsPerCommand = 5000;

    public ModificationCommandBatch Create() => new Batch(dependencies);

    private sealed class Batch(ModificationCommandBatchFactoryDependencies dependencies)
        : AffectedCountModificationCommandBatch(dependencies, RowsPerCommand);
}
