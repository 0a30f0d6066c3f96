using System.Diagnostics;
using System.Net;
using System.Text;
using GraphQL;
using GraphQL.Types;
using GraphQL.Validation;
using GraphQL.Validation.Complexity;
using GraphQL.Validation.Rules.Custom;
using Headless.GraphQL;
using Headless.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Headless.Tests.GraphQL;

/// <summary>The cost pass: linear in the document, before every other rule, with the same scores as GraphQL.NET's analyzer.</summary>
public sealed class QueryCostTests : IAsyncLifetime
{
    private HeadlessApp _app = null!;
    private TestTenant _t = null!;

    public async Task InitializeAsync()
    {
        _app = HeadlessApp.Sqlite(new Dictionary<string, string?> { ["Headless:GraphQL:MaxNodeLookups"] = "5", ["Headless:GraphQL:MaxRootFields"] = "8" });
        _t = await _app.CreateTenantAsync("Cost Org");
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    /// <summary>25 fragments, each spreading the next twice: 2^25 fields once expanded, about 1.5 KB of text.</summary>
    public static string FanOut(int levels = 25)
    {
        var text = new StringBuilder("query { ...F0 }\n");
        for (var i = 0; i < levels; i++)
        {
            text.Append(System.Globalization.CultureInfo.InvariantCulture, $"fragment F{i} on Query {{ viewer {{ organization {{ name }} }} ...F{i + 1} ...F{i + 1} }}\n");
        }

        text.Append(System.Globalization.CultureInfo.InvariantCulture, $"fragment F{levels} on Query {{ viewer {{ organization {{ id }} }} }}\n");
        return text.ToString();
    }

    [Fact]
    public async Task The_fragment_fan_out_is_refused_as_too_complex_quickly_and_without_touching_the_database()
    {
        var document = FanOut();
        Assert.InRange(document.Length, 1000, 2000);

        // The key's first request of the minute also records lastUsedAt; this one is not about that.
        await _t.Client.PostAsync("{ __typename }");
        _app.Commands.Reset();
        var watch = Stopwatch.StartNew();
        var r = await _t.Client.PostAsync(document);
        watch.Stop();

        Assert.Equal(HttpStatusCode.UnprocessableEntity, r.Status);
        Assert.Equal(["COMPLEXITY"], r.ErrorCodes);
        Assert.Equal(0, _app.Commands.Count); // not even the credential lookup: the key authenticated within the second (ApiKeyCache)

        // A generous bound: GraphQL.NET's own analyzer needs more than a minute for this document.
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"took {watch.Elapsed}");
    }

    [Fact]
    public async Task A_document_over_the_selection_cap_is_refused_before_any_other_rule()
    {
        // 1001 selections of a field that does not even exist: the cap answers, not FieldsOnCorrectType.
        var over = "{ " + string.Concat(Enumerable.Repeat("nope ", 1001)) + "}";
        var at = "{ " + string.Concat(Enumerable.Repeat("__typename ", 1000)) + "}";

        var refused = await _t.Client.PostAsync(over);
        var accepted = await _t.Client.PostAsync(at);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.Status);
        Assert.Equal(["COMPLEXITY"], refused.ErrorCodes);
        Assert.Contains("1000 selections", refused.Body.At("errors.0.message").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, accepted.Status);
    }

    [Fact]
    public async Task Node_lookups_over_the_cap_are_refused_with_a_clear_error()
    {
        static string Lookups(int n) => "{ " + string.Concat(Enumerable.Range(0, n).Select(i => $"n{i}: node(id: \"T3JnYW5pemF0aW9uOjk5OTk5\") {{ id }} ")) + "}";

        var atCap = await _t.Client.PostAsync(Lookups(5));
        _app.Commands.Reset();
        var over = await _t.Client.PostAsync(Lookups(6));

        Assert.Equal(HttpStatusCode.OK, atCap.Status);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, over.Status);
        Assert.Equal(["TOO_MANY_NODE_LOOKUPS"], over.ErrorCodes);
        Assert.Contains("6 node(id:) lookups; the maximum is 5", over.Body.At("errors.0.message").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, _app.Commands.Count); // the key authenticated within the second (ApiKeyCache): nothing at all
    }

    [Fact]
    public async Task Root_field_aliases_over_the_cap_are_refused_but_merged_fields_count_once()
    {
        static string Aliases(int n) => "{ " + string.Concat(Enumerable.Range(0, n).Select(i => $"v{i}: viewer {{ __typename }} ")) + "}";
        var merged = "{ " + string.Concat(Enumerable.Repeat("viewer { __typename } ", 30)) + "}";

        var atCap = await _t.Client.PostAsync(Aliases(8));
        var over = await _t.Client.PostAsync(Aliases(9));
        var sameName = await _t.Client.PostAsync(merged);

        Assert.Equal(HttpStatusCode.OK, atCap.Status);
        Assert.Equal(["TOO_MANY_ROOT_FIELDS"], over.ErrorCodes);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, over.Status);
        Assert.Equal(HttpStatusCode.OK, sameName.Status);
    }

    [Theory]
    [InlineData("{ patients(first: 50) { nodes { id firstName } } }", 102)]
    [InlineData("query($n: Int) { patients(first: $n) { edges { node { id } } } }", 42)]
    [InlineData("{ ...Q } fragment Q on Query { patients(first: 50) { ...P } } fragment P on PatientConnection { nodes { id firstName } }", 102)]
    [InlineData("{ pharmacies { id name } }", 41)]
    [InlineData("{ __typename viewer { __typename } }", 1)]
    public async Task The_response_reports_the_requested_cost(string document, double expected)
    {
        var r = await _t.Client.PostAsync(document, new { n = 20 });

        Assert.Equal(HttpStatusCode.OK, r.Status);
        Assert.Equal(expected, r.Body.At("extensions.cost.requestedQueryCost").GetDouble());
    }

    public static TheoryData<string> Documents() =>
    [
        "{ viewer { organization { name clinics(first: 7) { totalCount nodes { id name shipTo { zip } } edges { cursor node { id } } } } } }",
        "{ patients { nodes { id firstName lastName address { state } } pageInfo { hasNextPage } } pharmacies { id shipsToStates } }",
        "{ ...Q } fragment Q on Query { a: patients(first: 3) { ...P } b: patients { ...P } } fragment P on PatientConnection { nodes { id ...N } totalCount } fragment N on Patient { firstName }",
        "query($skip: Boolean!) { patients(first: 9) { nodes @skip(if: $skip) { id } totalCount } catalog(first: 4) { nodes { id product { name } } } }",
        "{ __schema { types { name fields { name } } } viewer { __typename organization { ... on Organization { name } ... on Node { id } } } }",
        "{ node(id: \"x\") { id ... on Patient { firstName } } pharmacies { ... on Pharmacy { name } } }",
    ];

    [Theory]
    [MemberData(nameof(Documents))]
    public async Task Scores_and_depths_match_GraphQL_NET_s_complexity_analyzer(string text)
    {
        var schema = _app.Services.GetRequiredService<ISchema>();
        var document = GraphQLParser.Parser.Parse(text);
        var operation = document.Definitions.OfType<GraphQLParser.AST.GraphQLOperationDefinition>().Single();
        var variables = new Dictionary<string, object?> { ["skip"] = true }.ToInputs();
        var reference = new RecordingComplexityRule();
        await new DocumentValidator().ValidateAsync(new ValidationOptions
        {
            Document = document,
            Operation = operation,
            Schema = schema,
            Rules = [reference],
            Variables = variables,
            Extensions = Inputs.Empty,
            UserContext = new Dictionary<string, object?>(),
            Metrics = global::GraphQL.Instrumentation.Metrics.None,
        });

        var cost = QueryCostAnalyzer.Analyze(schema, document, operation, variables, 1000, CancellationToken.None);

        Assert.Equal(reference.Complexity, cost.Complexity);
        Assert.Equal(reference.Depth, cost.Depth);
    }

    private sealed class RecordingComplexityRule() : ComplexityValidationRule(new ComplexityOptions())
    {
        public double Complexity { get; private set; } = -1;

        public int Depth { get; private set; } = -1;

        protected override ValueTask ValidateComplexityAsync(ValidationContext context, double totalComplexity, int maxDepth)
        {
            Complexity = totalComplexity;
            Depth = maxDepth;
            return default;
        }
    }
}
