using GraphQL.Validation;
using GraphQL.Validation.Errors;
using GraphQL.Validation.Errors.Custom;
using Headless.Auth;
using Headless.RateLimiting;
using Microsoft.Extensions.Options;

namespace Headless.GraphQL;

/// <summary>
/// Runs the linear cost pass (<see cref="QueryCostAnalyzer"/>) and its caps before any other validation rule, so that
/// no rule (GraphQL.NET's rules all run in one walk over the document) ever sees a document over the caps; then the
/// standard rules; then the caller's scope (<see cref="ScopeRule"/>); then charges the organization's cost budget, so a throttled request executes nothing.
/// </summary>
internal sealed class HeadlessDocumentValidator(IOptions<GraphQLOptions> options, CostBudget budget) : IDocumentValidator
{
    private readonly DocumentValidator _rules = new();

    public Task<IValidationResult> ValidateAsync(in ValidationOptions options) => ValidateCoreAsync(options);

    private async Task<IValidationResult> ValidateCoreAsync(ValidationOptions validation)
    {
        var limits = options.Value;
        var cost = QueryCostAnalyzer.Analyze(validation.Schema, validation.Document, validation.Operation, validation.Variables, limits.MaxSelections, validation.CancellationToken);
        if (cost.Selections > limits.MaxSelections)
        {
            return Refuse(new ComplexityError($"The document has more than {limits.MaxSelections} selections; the limit counts every field, fragment spread and inline fragment, each fragment once."));
        }

        validation.UserContext[QueryCost.UserContextKey] = cost;
        var organizationId = validation.User?.OrganizationId();
        if (budget.Enabled && organizationId is { } peekAt)
        {
            validation.UserContext[CostBudgetStatus.UserContextKey] = budget.Peek(peekAt);
        }

        if (cost.Depth > limits.MaxDepth)
        {
            return Refuse(new ComplexityError($"Query is too nested to execute. Depth is {cost.Depth} levels; the maximum is {limits.MaxDepth}."));
        }

        if (cost.Complexity > limits.MaxComplexity)
        {
            return Refuse(new ComplexityError($"Query is too complex to execute. Complexity is {cost.Complexity}; the maximum is {limits.MaxComplexity}."));
        }

        if (cost.RootFields > limits.MaxRootFields)
        {
            return Refuse(new ValidationError($"The operation selects {cost.RootFields} root fields (aliases count); the maximum is {limits.MaxRootFields}.") { Code = "TOO_MANY_ROOT_FIELDS" });
        }

        if (cost.NodeLookups > limits.MaxNodeLookups)
        {
            return Refuse(new ValidationError($"The operation makes {cost.NodeLookups} node(id:) lookups; the maximum is {limits.MaxNodeLookups}.") { Code = "TOO_MANY_NODE_LOOKUPS" });
        }

        var result = await _rules.ValidateAsync(validation);
        if (!result.IsValid)
        {
            return await WithVariableErrorsAsync(result, validation);
        }

        // Before the budget is charged: a refused operation costs nothing.
        if (ScopeRule.Check(validation.User, validation.Document, validation.Operation) is { } forbidden)
        {
            return Refuse(forbidden);
        }

        if (!budget.Enabled || organizationId is not { } organization)
        {
            return result;
        }

        var charge = budget.Charge(organization, cost.Complexity);
        validation.UserContext[CostBudgetStatus.UserContextKey] = charge;
        return charge.Granted
            ? result
            : Refuse(new ThrottledError(charge));
    }

    private static ValidationResult Refuse(ValidationError error) => new(error);

    /// <summary>
    /// GraphQL.NET coerces variables only once the document is valid, so a request with an invalid document and
    /// uncoercible variables would only report the document. The variables are checked here too, so that such a
    /// request is answered as a variable coercion failure (400) like one with a valid document.
    /// </summary>
    private static async Task<IValidationResult> WithVariableErrorsAsync(IValidationResult result, ValidationOptions validation)
    {
        if (result.Errors.Any(e => e is InvalidVariableError) || validation.Operation.Variables is null or { Items.Count: 0 })
        {
            return result;
        }

        var context = new ValidationContext
        {
            Schema = validation.Schema,
            Document = validation.Document,
            Operation = validation.Operation,
            Variables = validation.Variables,
            Extensions = validation.Extensions,
            UserContext = validation.UserContext,
            RequestServices = validation.RequestServices,
            User = validation.User,
            CancellationToken = validation.CancellationToken,
            Metrics = validation.Metrics,
            TypeInfo = new TypeInfo(validation.Schema),
        };
        var (_, variableErrors) = await context.GetVariablesValuesAsync();
        var coercionErrors = variableErrors?.OfType<InvalidVariableError>().ToList() ?? [];
        if (coercionErrors.Count == 0)
        {
            return result;
        }

        return new ValidationResult(result.Errors.OfType<ValidationError>().Concat(coercionErrors));
    }
}

/// <summary>The organization's cost budget cannot cover the request; nothing was executed.</summary>
public sealed class ThrottledError : ValidationError
{
    public ThrottledError(CostBudgetStatus status)
        : base($"Throttled: this request costs {status.Charged} points and {status.CurrentlyAvailable} of {status.MaximumAvailable} are available; {status.RestoreRate} points are restored per second.")
    {
        Code = "THROTTLED";
        RetryAfter = status.RetryAfter;
    }

    public TimeSpan RetryAfter { get; }
}
