using System.Collections.Concurrent;

namespace Headless.Auth;

/// <summary>
/// API key rows as authentication last read them, each trusted for at most <see cref="Lifetime"/> by the injected clock,
/// so a busy key costs no SQL command per request while a revocation made on any instance (or by the operator CLI)
/// holds everywhere within that second, with or without Redis. Only keys that authenticated are kept: the cache holds
/// at most one entry per live key, and a guessed prefix never enters it. Hand-written rather than IMemoryCache because
/// the expiry must follow the injected TimeProvider (tests prove the second with the fake clock).
/// </summary>
public sealed class ApiKeyCache(TimeProvider clock)
{
    /// <summary>The longest a cached key row is trusted: the most a revocation on another instance can take to hold here.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    /// <summary>The key with this prefix as read less than <see cref="Lifetime"/> ago, or null.</summary>
    public Entry? Find(string prefix)
    {
        if (!_entries.TryGetValue(prefix, out var entry))
        {
            return null;
        }

        if (clock.GetElapsedTime(entry.ReadAt) < Lifetime)
        {
            return entry;
        }

        _entries.TryRemove(new KeyValuePair<string, Entry>(prefix, entry));
        return null;
    }

    /// <summary>Keeps a key that has just authenticated, as read from the database now, with its lastUsedAt as it now stands.</summary>
    public void Keep(ApiKey key, DateTimeOffset? lastUsedAt)
    {
        // Expired entries of keys no longer used would otherwise stay; one sweep per thousand keys kept is enough.
        if (_entries.Count >= 1000 && _entries.Count % 1000 == 0)
        {
            foreach (var (prefix, stale) in _entries)
            {
                if (clock.GetElapsedTime(stale.ReadAt) >= Lifetime)
                {
                    _entries.TryRemove(new KeyValuePair<string, Entry>(prefix, stale));
                }
            }
        }

        _entries[key.Prefix] = new Entry(key, clock.GetTimestamp(), lastUsedAt);
    }

    /// <summary>Records that this instance wrote lastUsedAt, so the entry does not ask for the write again within its minute.</summary>
    public void Used(Entry entry, DateTimeOffset at) =>
        _entries.TryUpdate(entry.Key.Prefix, entry with { LastUsedAt = at }, entry);

    /// <summary>Drops a key at once: a revocation on this instance holds from the next request on.</summary>
    public void Forget(string prefix) => _entries.TryRemove(prefix, out _);

    /// <summary>A cached key row, when it was read (a <see cref="TimeProvider.GetTimestamp"/>), and its lastUsedAt as this instance knows it.</summary>
    public sealed record Entry(ApiKey Key, long ReadAt, DateTimeOffset? LastUsedAt)
    {
        public bool LastUsedIsStale(DateTimeOffset now) => LastUsedAt is not { } last || now - last >= ApiKey.LastUsedGranularity;
    }
}
