namespace Headless.Orders.Lifecycle;

/// <summary>What applying a signal did.</summary>
public enum LineOutcome
{
    /// <summary>Nothing changed (an older status, a terminal line, a move the lifecycle forbids).</summary>
    Ignored,

    /// <summary>The line changed status.</summary>
    Moved,

    /// <summary>The status stayed, but something else changed (tracking attached late, a hold's owner or reason).</summary>
    Updated,
}
