using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Headless.Tests.Infrastructure;

/// <summary>
/// Counts the entities EF Core builds from query results, by database and type: how many rows a request really
/// loaded. EF keeps materialization interceptors in its internal service provider, so one instance serves every
/// test app in the process (a new instance per app would make EF build a provider per app); counts are kept
/// apart by each app's connection string.
/// </summary>
public sealed class MaterializationCounter : IMaterializationInterceptor
{
    public static readonly MaterializationCounter Shared = new();

    private readonly ConcurrentDictionary<(string Database, Type Type), int> _counts = new();

    private MaterializationCounter()
    {
    }

    public object InitializedInstance(MaterializationInterceptionData materializationData, object entity)
    {
        var database = materializationData.Context.Database.GetConnectionString() ?? "";
        _counts.AddOrUpdate((database, entity.GetType()), 1, (_, n) => n + 1);
        return entity;
    }

    /// <summary>The counts of one app's database.</summary>
    public sealed class View(string connectionString)
    {
        public int Of<T>() => Shared._counts.GetValueOrDefault((connectionString, typeof(T)));

        public void Reset()
        {
            foreach (var key in Shared._counts.Keys.Where(k => k.Database == connectionString))
            {
                Shared._counts.TryRemove(key, out _);
            }
        }
    }
}
