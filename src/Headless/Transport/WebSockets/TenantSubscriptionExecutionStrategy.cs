using System.Net;
using GraphQL;
using GraphQL.Execution;
using Headless.Audit;
using Headless.Auth;
using Headless.Data;
using Headless.GraphQL;
using ExecutionContext = GraphQL.Execution.ExecutionContext;

namespace Headless.Transport.WebSockets;

/// <summary>
/// Runs each subscription event's selection in a service scope of its own, for the subscriber's organization, and
/// records its PHI reads in the audit trail like any request. The operation's scope is gone by the time events arrive
/// (it only lives while the subscription is set up), and scoped services such as the tenant and the DbContext are not
/// made to be shared across events that may overlap.
/// </summary>
internal sealed class TenantSubscriptionExecutionStrategy(IServiceScopeFactory scopes)
    : SubscriptionExecutionStrategy(new SerialExecutionStrategy())
{
    /// <summary>Key of the client's address in the user context (set by the transport).</summary>
    public const string ClientAddressKey = "headless.clientAddress";

    protected override ExecutionContext CloneExecutionContext(ExecutionContext context, CancellationToken token)
    {
        var clone = base.CloneExecutionContext(context, token);

        // Keep no reference to the operation's scope, which is disposed once the subscription is set up.
        clone.RequestServices = null;
        return clone;
    }

    protected override async ValueTask<ExecutionResult> ProcessDataAsync(ExecutionContext context, ExecutionNode node, object? value)
    {
        await using var scope = scopes.CreateAsyncScope();
        if (context.User?.OrganizationId() is { } organizationId)
        {
            scope.ServiceProvider.GetRequiredService<TenantContext>().Set(organizationId);
        }

        context.RequestServices = scope.ServiceProvider;
        try
        {
            return await base.ProcessDataAsync(context, node, value);
        }
        finally
        {
            if (context.User is { } user)
            {
                var correlationId = context.UserContext.TryGetValue(GraphQLServiceCollectionExtensions.CorrelationIdKey, out var id) ? id as string : null;
                var address = context.UserContext.TryGetValue(ClientAddressKey, out var ip) ? ip as IPAddress : null;
                await scope.ServiceProvider.GetRequiredService<AuditRecorder>().CompleteAsync(user, address, correlationId ?? "");
            }

            context.RequestServices = null;
        }
    }

    protected override async Task<ExecutionError> ProcessErrorAsync(ExecutionContext context, ExecutionNode node, Exception exception)
    {
        await using var scope = scopes.CreateAsyncScope();
        context.RequestServices = scope.ServiceProvider;
        try
        {
            return await base.ProcessErrorAsync(context, node, exception);
        }
        finally
        {
            context.RequestServices = null;
        }
    }
}
