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

    void AddSubscriptionFields(ObjectGraphType subscription)
    {
    }
}

/// <summary>
/// How node(id) loads one object type by its numeric key within the caller's tenant. The resolve context is
/// passed for types whose GraphQL source needs request services (a cart's lazily loaded snapshot).
/// </summary>
public sealed record NodeLoader(string TypeName, Func<HeadlessDbContext, long, global::GraphQL.IResolveFieldContext, CancellationToken, Task<object?>> Load);
