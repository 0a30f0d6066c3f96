using GraphQL.Types;
using Headless.Data;

namespace Headless.GraphQL;

/// <summary>
/// A capability's share of the root types. Each capability folder registers one, so the roots stay
/// thin and a capability's fields live next to its domain code.
/// </summary>
public interface ISchemaContribution
{
    void AddQueryFields(ObjectGraphType query)
    {
    }

    void AddMutationFields(ObjectGraphType mutation)
    {
    }
}

/// <summary>How node(id) loads one object type by its numeric key within the caller's tenant.</summary>
public sealed record NodeLoader(string TypeName, Func<HeadlessDbContext, long, CancellationToken, Task<object?>> Load);
