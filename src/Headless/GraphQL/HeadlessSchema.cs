using GraphQL;
using GraphQL.Types;

namespace Headless.GraphQL;

/// <summary>The one schema, built and checked once at start-up.</summary>
public sealed class HeadlessSchema : Schema
{
    public HeadlessSchema(IServiceProvider services, QueryType query, MutationType mutation, SubscriptionType subscription)
        : base(services)
    {
        Description = "Headless: order compounded medications for many patients at once from 503A partner pharmacies.";
        Query = query;
        Mutation = mutation;
        Subscription = subscription;

        // Introspection is gated separately (IntrospectionGate); when allowed, tools such as GraphiQL must fit the budget.
        this.WithIntrospectionComplexityImpact(0);
    }
}

/// <summary>The query root.</summary>
public sealed class QueryType : ObjectGraphType
{
    public QueryType(IEnumerable<ISchemaContribution> contributions, IEnumerable<NodeLoader> loaders)
    {
        Name = "Query";
        Description = "Everything a brand can read. Objects of other organizations are never visible.";
        var byType = loaders.ToDictionary(l => l.TypeName, StringComparer.Ordinal);

        Field<NodeInterface>("node")
            .Description("Fetches any object by its global ID. Returns null when no such object exists for your organization.")
            .Argument<NonNullGraphType<IdGraphType>>("id", "The object's global ID.")
            .ResolveAsync(async ctx =>
            {
                if (!GlobalId.TryDecode(ctx.GetArgument<string>("id"), out var type, out var id) || !byType.TryGetValue(type, out var loader))
                {
                    return null;
                }

                return await ctx.WithDbAsync((db, ct) => loader.Load(db, id, ctx, ct));
            });

        foreach (var c in contributions)
        {
            c.AddQueryFields(this);
        }
    }
}

/// <summary>The mutation root.</summary>
public sealed class MutationType : ObjectGraphType
{
    public MutationType(IEnumerable<ISchemaContribution> contributions)
    {
        Name = "Mutation";
        Description = "Everything a brand can change. Each mutation returns a payload with userErrors; bad input changes nothing.";
        foreach (var c in contributions)
        {
            c.AddMutationFields(this);
        }
    }
}

/// <summary>The subscription root, served over WebSocket (graphql-transport-ws) at /graphql.</summary>
public sealed class SubscriptionType : ObjectGraphType
{
    public SubscriptionType(IEnumerable<ISchemaContribution> contributions)
    {
        Name = "Subscription";
        Description = "Live updates over WebSocket (graphql-transport-ws at /graphql). Each event is read from your organization's event log after its change committed; pass `after` (an event cursor) to replay what you missed first, with no gap and no duplicate. README \"Subscriptions\".";
        foreach (var c in contributions)
        {
            c.AddSubscriptionFields(this);
        }
    }
}
