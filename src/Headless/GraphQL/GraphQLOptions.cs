using System.ComponentModel.DataAnnotations;

namespace Headless.GraphQL;

/// <summary>Settings under Headless:GraphQL: limits every operation must stay within.</summary>
public sealed class GraphQLOptions
{
    public const string Section = "Headless:GraphQL";

    /// <summary>Deepest field nesting allowed, counted from the root field. 15 lets the standard introspection query through.</summary>
    [Range(1, 100)]
    public int MaxDepth { get; set; } = 15;

    /// <summary>Highest complexity score allowed. Lists multiply their children by `first` (or 20 when it is absent).</summary>
    [Range(1, 1_000_000)]
    public int MaxComplexity { get; set; } = 25_000;

    /// <summary>
    /// Selections (fields, fragment spreads, inline fragments) a document may hold, each fragment counted once.
    /// Bounds the validation rules whose work grows faster than the document (field merging compares same-named fields pairwise).
    /// </summary>
    [Range(1, 100_000)]
    public int MaxSelections { get; set; } = 1_000;

    /// <summary>Root fields (distinct response names, so aliases count) one operation may select.</summary>
    [Range(1, 10_000)]
    public int MaxRootFields { get; set; } = 100;

    /// <summary>node(id:) lookups (aliased root node fields) one operation may make.</summary>
    [Range(1, 10_000)]
    public int MaxNodeLookups { get; set; } = 100;

    /// <summary>Seconds a request may take from parsing through execution before it is stopped with a TIMEOUT error (504).</summary>
    [Range(1, 600)]
    public int TimeoutSeconds { get; set; } = 30;

    /// <summary>
    /// Resolvers one request runs at the same time. Each resolver that reads the database opens a connection of its
    /// own (a DbContext is not thread-safe), so without a bound one query over 100 order lines asking for their events
    /// would take 100 pooled connections at once and starve every other request.
    /// </summary>
    [Range(1, 256)]
    public int MaxParallelResolvers { get; set; } = 8;

    /// <summary>
    /// Introspection queries are answered for authenticated credentials (the default: IDEs such as GraphiQL load the
    /// schema with the caller's own key or token). False refuses them for everyone.
    /// </summary>
    public bool EnableIntrospection { get; set; } = true;

    /// <summary>Resolver exception details (messages, stack traces) in responses. Development only.</summary>
    public bool ExposeExceptionDetails { get; set; }
}
