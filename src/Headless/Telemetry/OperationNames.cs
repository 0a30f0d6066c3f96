using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace Headless.Telemetry;

/// <summary>
/// Bounds the operation-name tag of the duration histogram: the first <see cref="TelemetryOptions.MaxOperationNames"/>
/// distinct names are kept, later ones become "other". Names come from the parsed document only (so they are GraphQL
/// names), never from the request's operationName field, and longer ones than <see cref="MaxLength"/> count as other too.
/// </summary>
internal sealed class OperationNames(IOptions<TelemetryOptions> options)
{
    public const string Anonymous = "anonymous";
    public const string Other = "other";
    public const string Unknown = "unknown";
    public const int MaxLength = 100;

    private readonly ConcurrentDictionary<string, byte> _known = new(StringComparer.Ordinal);

    public int Count => _known.Count;

    /// <summary>The tag value for an operation's name (null for an unnamed operation).</summary>
    public string Bound(string? name)
    {
        if (name is null)
        {
            return Anonymous;
        }

        if (_known.ContainsKey(name))
        {
            return name;
        }

        if (name.Length > MaxLength || !IsGraphQLName(name))
        {
            return Other;
        }

        lock (_known)
        {
            if (_known.Count >= options.Value.MaxOperationNames)
            {
                return Other;
            }

            _known.TryAdd(name, 0);
            return name;
        }
    }

    /// <summary>/[_A-Za-z][_0-9A-Za-z]*/, the GraphQL Name token: the parser guarantees it, this keeps it so if the source changes.</summary>
    internal static bool IsGraphQLName(string name)
    {
        if (name.Length == 0 || char.IsAsciiDigit(name[0]))
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c == '_'))
            {
                return false;
            }
        }

        return true;
    }
}
