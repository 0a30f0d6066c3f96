using System.Net;
using Headless.Tests.Infrastructure;

namespace Headless.Tests.GraphQL;

/// <summary>Depth, complexity, page size and introspection limits are enforced before anything executes.</summary>
public sealed class LimitsTests : IAsyncLifetime
{
    private HeadlessApp _app = null!;
    private TestTenant _t = null!;

    public async Task InitializeAsync()
    {
        _app = HeadlessApp.Sqlite(new Dictionary<string, string?> { ["Headless:GraphQL:MaxDepth"] = "6", ["Headless:GraphQL:MaxComplexity"] = "3000" });
        _t = await _app.CreateTenantAsync("Limits Org");
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task A_document_deeper_than_the_limit_is_refused_without_touching_the_database()
    {
        const string atLimit = "{ viewer { organization { clinics { nodes { shipTo { zip } } } } } }";
        const string deeper = "{ viewer { organization { clinics { edges { node { shipTo { zip } } } } } } }";
        await _t.Client.DataAsync(atLimit);
        var baseline = await CommandsForAsync("{ nope }");

        _app.Commands.Reset();
        var r = await _t.Client.PostAsync(deeper);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, r.Status);
        Assert.Equal(["COMPLEXITY"], r.ErrorCodes);
        Assert.Equal(baseline, _app.Commands.Count);
    }

    [Fact]
    public async Task Aliases_count_towards_complexity()
    {
        static string Aliased(int n) => "{ " + string.Concat(Enumerable.Range(0, n).Select(i => $"a{i}: patients(first: 100) {{ nodes {{ id firstName }} }} ")) + "}";

        var under = await _t.Client.PostAsync(Aliased(5));
        var baseline = await CommandsForAsync("{ nope }");
        _app.Commands.Reset();
        var over = await _t.Client.PostAsync(Aliased(20));

        Assert.Equal(HttpStatusCode.OK, under.Status);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, over.Status);
        Assert.Equal(["COMPLEXITY"], over.ErrorCodes);
        Assert.Equal(baseline, _app.Commands.Count);
    }

    /// <summary>Commands a request costs when it never executes: only the credential lookup.</summary>
    private async Task<int> CommandsForAsync(string invalidDocument)
    {
        _app.Commands.Reset();
        var r = await _t.Client.PostAsync(invalidDocument);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, r.Status);
        Assert.Equal(1, _app.Commands.Count);
        return _app.Commands.Count;
    }

    [Theory]
    [InlineData("{ patients(first: 101) { totalCount } }")]
    [InlineData("{ patients(first: -1) { totalCount } }")]
    [InlineData("{ viewer { organization { clinics(first: 100000) { totalCount } } } }")]
    [InlineData("{ catalog(first: 500) { totalCount } }")]
    public async Task First_is_capped_at_100_on_every_connection(string query)
    {
        var r = await _t.Client.PostAsync(query);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, r.Status);
        Assert.Equal(["INVALID_VALUE"], r.ErrorCodes);
    }

    [Fact]
    public async Task A_cursor_the_api_did_not_issue_is_an_error()
    {
        var r = await _t.Client.PostAsync("{ patients(after: \"bm90LWEtY3Vyc29y\") { totalCount } }");

        Assert.Equal(["INVALID_CURSOR"], r.ErrorCodes);
    }

    [Fact]
    public async Task Introspection_is_answered_for_an_authenticated_credential_by_default()
    {
        var schema = await _t.Client.DataAsync("{ __schema { queryType { name } mutationType { name } subscriptionType { name } } }");
        var type = await _t.Client.DataAsync("{ __type(name: \"Patient\") { name } }");

        Assert.Equal("Query", schema.At("__schema.queryType.name").GetString());
        Assert.Equal("Subscription", schema.At("__schema.subscriptionType.name").GetString());
        Assert.Equal("Patient", type.At("__type.name").GetString());
    }

    [Fact]
    public async Task The_introspection_query_graphiql_sends_fits_the_default_limits()
    {
        await using var app = HeadlessApp.Sqlite();
        var t = await app.CreateTenantAsync("Explorer Org");

        var data = await t.Client.DataAsync(GraphiQLIntrospectionQuery);

        Assert.Equal("Query", data.At("__schema.queryType.name").GetString());
        Assert.Contains(data.At("__schema.types").EnumerateArray(), type => type.GetProperty("name").GetString() == "CartLine");
    }

    /// <summary>graphql-js 16 getIntrospectionQuery() with its default options, as GraphiQL sends it.</summary>
    private const string GraphiQLIntrospectionQuery = """
            query IntrospectionQuery {
              __schema {

                queryType { name kind }
                mutationType { name kind }
                subscriptionType { name kind }
                types {
                  ...FullType
                }
                directives {
                  name
                  description

                  locations
                  args {
                    ...InputValue
                  }
                }
              }
            }

            fragment FullType on __Type {
              kind
              name
              description


              fields(includeDeprecated: true) {
                name
                description
                args {
                  ...InputValue
                }
                type {
                  ...TypeRef
                }
                isDeprecated
                deprecationReason
              }
              inputFields {
                ...InputValue
              }
              interfaces {
                ...TypeRef
              }
              enumValues(includeDeprecated: true) {
                name
                description
                isDeprecated
                deprecationReason
              }
              possibleTypes {
                ...TypeRef
              }
            }

            fragment InputValue on __InputValue {
              name
              description
              type { ...TypeRef }
              defaultValue


            }

            fragment TypeRef on __Type {
              kind
              name
              ofType {
                kind
                name
                ofType {
                  kind
                  name
                  ofType {
                    kind
                    name
                    ofType {
                      kind
                      name
                      ofType {
                        kind
                        name
                        ofType {
                          kind
                          name
                          ofType {
                            kind
                            name
                            ofType {
                              kind
                              name
                              ofType {
                                kind
                                name
                              }
                            }
                          }
                        }
                      }
                    }
                  }
                }
              }
            }

        """;

    [Fact]
    public async Task Introspection_without_a_credential_is_refused_like_any_request()
    {
        var r = await _app.AnonymousClient().PostAsync("{ __schema { types { name } } }");

        Assert.Equal(HttpStatusCode.Unauthorized, r.Status);
        Assert.Equal(["UNAUTHENTICATED"], r.ErrorCodes);
    }

    [Fact]
    public async Task Introspection_can_be_turned_off_by_configuration()
    {
        await using var app = HeadlessApp.Sqlite(new Dictionary<string, string?> { ["Headless:GraphQL:EnableIntrospection"] = "false" });
        var t = await app.CreateTenantAsync("Closed Org");

        var schema = await t.Client.PostAsync("{ __schema { types { name } } }");
        var type = await t.Client.PostAsync("{ __type(name: \"Patient\") { name } }");

        Assert.Equal(HttpStatusCode.UnprocessableEntity, schema.Status);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, type.Status);
    }
}
