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

    /// <summary>Seconds an operation may execute before it is stopped with a TIMEOUT error.</summary>
    [Range(1, 600)]
    public int TimeoutSeconds { get; set; } = 30;

    /// <summary>Introspection queries are answered. Off by default outside Development.</summary>
    public bool? EnableIntrospection { get; set; }

    /// <summary>Resolver exception details (messages, stack traces) in responses. Development only.</summary>
    public bool ExposeExceptionDetails { get; set; }
}
