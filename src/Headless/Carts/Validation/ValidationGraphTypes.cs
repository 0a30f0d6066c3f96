using GraphQL;
using GraphQL.Types;
using Headless.GraphQL;
using Headless.Shared;

namespace Headless.Carts.Validation;

/// <summary>A validation run's figures, without its issues.</summary>
public sealed record ValidationRun(long Id, int CartVersion, int ErrorCount, int WarningCount, DateTimeOffset ValidatedAt)
{
    public static ValidationRun Of(CartValidation validation) =>
        new(validation.Id, validation.CartVersion, validation.ErrorCount, validation.WarningCount, validation.ValidatedAt);
}

/// <summary>A stored validation with the cart version current when it is read; its issues are read only when asked for.</summary>
public sealed class CartValidationView
{
    private readonly Lazy<Task<IReadOnlyList<CartIssue>>> _issues;

    public CartValidationView(CartValidation validation, int currentCartVersion)
        : this(ValidationRun.Of(validation), currentCartVersion, () => Task.FromResult(validation.Issues))
    {
    }

    public CartValidationView(ValidationRun run, int currentCartVersion, Func<Task<IReadOnlyList<CartIssue>>> readIssues)
    {
        Run = run;
        CurrentCartVersion = currentCartVersion;
        _issues = new(readIssues);
    }

    public ValidationRun Run { get; }

    public int CurrentCartVersion { get; }

    public bool Current => Run.CartVersion == CurrentCartVersion;

    public Task<IReadOnlyList<CartIssue>> IssuesAsync() => _issues.Value;
}

/// <summary>An issue with its position in its validation, which serves as its cursor key.</summary>
public sealed record NumberedIssue(long Id, CartIssue Issue) : IEntity;

public sealed class CartValidationType : ObjectGraphType<CartValidationView>
{
    public CartValidationType()
    {
        Name = "CartValidation";
        Description = "One run of every preflight rule over a whole cart at one version. ERROR issues block checkout; WARNING issues do not.";
        Field<NonNullGraphType<IdGraphType>>("id").Description("The validation's opaque global ID.").Resolve(c => GlobalId.Encode("CartValidation", c.Source.Run.Id));
        Field<NonNullGraphType<IntGraphType>>("cartVersion").Description("The cart version the rules saw.").Resolve(c => c.Source.Run.CartVersion);
        Field<NonNullGraphType<BooleanGraphType>>("current").Description("True when the cart has not changed since this validation ran.").Resolve(c => c.Source.Current);
        Field<NonNullGraphType<DateTimeScalar>>("validatedAt").Description("When the rules ran.").Resolve(c => c.Source.Run.ValidatedAt);
        Field<NonNullGraphType<IntGraphType>>("errorCount").Description("Issues that block checkout.").Resolve(c => c.Source.Run.ErrorCount);
        Field<NonNullGraphType<IntGraphType>>("warningCount").Description("Issues that do not block checkout.").Resolve(c => c.Source.Run.WarningCount);
        Field<NonNullGraphType<BooleanGraphType>>("passed").Description("True when no ERROR issue was found.").Resolve(c => c.Source.Run.ErrorCount == 0);
        Field<NonNullGraphType<ConnectionType<CartIssueType, NumberedIssue>>>("issues")
            .Description("Every issue found, line by line in line order. At most 100 per page.")
            .PagingArguments()
            .ResolveAsync(async c =>
            {
                var (first, after) = c.ReadPaging();
                var numbered = (await c.Source.IssuesAsync()).Select((issue, i) => new NumberedIssue(i + 1, issue)).ToList();
                return Paging.ToConnection(numbered, first, after);
            });
    }
}

public sealed class CartIssueType : ObjectGraphType<object>
{
    public CartIssueType()
    {
        Name = "CartIssue";
        Description = "A problem preflight validation found on a cart line. Messages never contain patient data.";
        Field<IdGraphType>("lineId").Description("The line the issue is on.").Resolve(c => Issue(c).LineId is { } id ? GlobalId.Encode("CartLine", id) : null);
        Field<NonNullGraphType<EnumGraphType<CartIssueCode>>>("code").Description("Which rule found it.").Resolve(c => Issue(c).Code);
        Field<NonNullGraphType<EnumGraphType<IssueSeverity>>>("severity").Description("ERROR blocks checkout; WARNING does not.").Resolve(c => Issue(c).Severity);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<StringGraphType>>>>("field")
            .Description("Path of the line field at fault, e.g. [\"shipTo\", \"zip\"] or [\"sig\"].")
            .Resolve(c => Issue(c).Field.Split('.'));
        Field<NonNullGraphType<StringGraphType>>("message").Description("What is wrong and how to fix it.").Resolve(c => Issue(c).Message);
    }

    private static CartIssue Issue(IResolveFieldContext<object> c) => c.Source switch
    {
        NumberedIssue n => n.Issue,
        CartIssue i => i,
        _ => throw new InvalidOperationException("Unexpected issue source."),
    };
}

