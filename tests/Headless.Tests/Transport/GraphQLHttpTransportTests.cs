using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Headless.Tests.Infrastructure;

namespace Headless.Tests.Transport;

/// <summary>GraphQL over HTTP: methods, media types and status codes, as the spec and README give them.</summary>
public sealed class GraphQLHttpTransportTests : IAsyncLifetime
{
    private const string ViewerQuery = "{ viewer { organization { name } } }";
    private HeadlessApp _app = null!;
    private TestTenant _tenant = null!;

    public async Task InitializeAsync()
    {
        _app = HeadlessApp.Sqlite();
        _tenant = await _app.CreateTenantAsync("Transport Org");
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    /// <summary>A client with the API key and, unless <paramref name="accept"/> is null, that Accept header (by default the one the spec recommends).</summary>
    private HttpClient Http(string? accept = GraphQLClient.Accept)
    {
        var http = _app.CreateClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", _tenant.ApiKey);
        if (accept is not null)
        {
            http.DefaultRequestHeaders.TryAddWithoutValidation("Accept", accept);
        }

        return http;
    }

    private static StringContent Json(string body, string contentType = "application/json") =>
        new(body, Encoding.UTF8, new MediaTypeHeaderValue(contentType.Split(';')[0]) { CharSet = contentType.Contains("charset=") ? contentType.Split("charset=")[1] : "utf-8" });

    private static string Body(string query) => JsonSerializer.Serialize(new { query });

    [Fact]
    public async Task A_query_posted_as_json_answers_200_in_the_graphql_response_media_type()
    {
        using var response = await Http().PostAsync("/graphql", Json(Body(ViewerQuery)));
        var r = await GraphQLResponse.ReadAsync(response);

        Assert.Equal(HttpStatusCode.OK, r.Status);
        Assert.Equal("application/graphql-response+json; charset=utf-8", r.ContentType);
        Assert.Equal("Transport Org", r.Data.At("viewer.organization.name").GetString());
        Assert.False(r.HasErrors);
    }

    [Theory]
    [InlineData("application/json", "application/json; charset=utf-8")]
    [InlineData("application/graphql-response+json", "application/graphql-response+json; charset=utf-8")]
    [InlineData("application/graphql-response+json, application/json;q=0.9", "application/graphql-response+json; charset=utf-8")]
    [InlineData("application/json, application/graphql-response+json;q=0.5", "application/json; charset=utf-8")]
    [InlineData("*/*", "application/json; charset=utf-8")]
    [InlineData("application/*", "application/json; charset=utf-8")]
    [InlineData("application/graphql-response+json, */*", "application/graphql-response+json; charset=utf-8")]
    public async Task The_response_media_type_follows_the_accept_header(string accept, string expected)
    {
        using var response = await Http(accept).PostAsync("/graphql", Json(Body(ViewerQuery)));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(expected, response.Content.Headers.ContentType!.ToString());
    }

    [Fact]
    public async Task A_request_without_accept_is_answered_in_application_json()
    {
        using var response = await Http(accept: null).PostAsync("/graphql", Json(Body(ViewerQuery)));
        var r = await GraphQLResponse.ReadAsync(response);

        Assert.Equal(HttpStatusCode.OK, r.Status);
        Assert.Equal("application/json; charset=utf-8", r.ContentType);
        Assert.Equal("Transport Org", r.Data.At("viewer.organization.name").GetString());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("*/*")]
    public async Task Without_a_named_media_type_a_document_that_fails_validation_still_answers_200(string? accept)
    {
        using var response = await Http(accept).PostAsync("/graphql", Json(Body("{ viewer { nope } }")));
        var r = await GraphQLResponse.ReadAsync(response);

        Assert.Equal(HttpStatusCode.OK, r.Status);
        Assert.Equal("application/json; charset=utf-8", r.ContentType);
        Assert.Equal(["FIELDS_ON_CORRECT_TYPE"], r.ErrorCodes);
    }

    [Fact]
    public async Task A_variable_that_cannot_be_coerced_gets_400_without_data()
    {
        var body = JsonSerializer.Serialize(new { query = "query CoerceFailure($id: ID!) { __typename }", variables = new { id = (string?)null } });
        using var response = await Http().PostAsync("/graphql", Json(body));
        var r = await GraphQLResponse.ReadAsync(response);

        // The audit's document also leaves $id unused; the coercion failure decides the status.
        Assert.Equal(HttpStatusCode.BadRequest, r.Status);
        Assert.Equal("application/graphql-response+json; charset=utf-8", r.ContentType);
        Assert.Contains("INVALID_VALUE", r.ErrorCodes);
        Assert.False(r.Body.TryGetProperty("data", out _));
    }

    [Fact]
    public async Task A_variable_of_the_wrong_type_gets_400()
    {
        var body = JsonSerializer.Serialize(new { query = "query($first: Int) { patients(first: $first) { totalCount } }", variables = new { first = "ten" } });
        using var response = await Http().PostAsync("/graphql", Json(body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task An_accept_header_without_a_json_media_type_gets_406()
    {
        using var response = await Http("text/html").PostAsync("/graphql", Json(Body(ViewerQuery)));

        Assert.Equal(HttpStatusCode.NotAcceptable, response.StatusCode);
    }

    [Fact]
    public async Task A_query_over_get_is_executed()
    {
        using var response = await Http().GetAsync("/graphql?query=" + Uri.EscapeDataString(ViewerQuery));
        var r = await GraphQLResponse.ReadAsync(response);

        Assert.Equal(HttpStatusCode.OK, r.Status);
        Assert.Equal("Transport Org", r.Data.At("viewer.organization.name").GetString());
    }

    [Fact]
    public async Task Get_passes_variables_and_picks_the_named_operation()
    {
        const string doc = "query A($first: Int) { patients(first: $first) { totalCount } } query B { viewer { organization { name } } }";
        var url = $"/graphql?query={Uri.EscapeDataString(doc)}&operationName=A&variables={Uri.EscapeDataString("{\"first\":1}")}";
        using var response = await Http().GetAsync(url);
        var r = await GraphQLResponse.ReadAsync(response);

        Assert.Equal(HttpStatusCode.OK, r.Status);
        Assert.Equal(0, r.Data.At("patients.totalCount").GetInt32());
    }

    [Fact]
    public async Task A_mutation_over_get_is_refused_with_405_and_an_allow_header_and_changes_nothing()
    {
        const string mutation = "mutation { patientCreate(input: { firstName: \"Ana\", lastName: \"Lima\", dateOfBirth: \"1980-01-02\", address: { line1: \"1 Main St\", city: \"Austin\", state: \"TX\", zip: \"78701\" } }) { patient { id } } }";
        using var response = await Http().GetAsync("/graphql?query=" + Uri.EscapeDataString(mutation));

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal("POST", response.Content.Headers.Allow.Single());
        var count = await _tenant.Client.DataAsync("{ patients { totalCount } }");
        Assert.Equal(0, count.At("patients.totalCount").GetInt32());
    }

    [Fact]
    public async Task Other_methods_get_405_with_the_allowed_methods()
    {
        using var response = await Http().PutAsync("/graphql", Json(Body(ViewerQuery)));

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal(["GET", "POST"], response.Content.Headers.Allow.Order());
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData("application/json; charset=iso-8859-1")]
    public async Task Unsupported_content_types_get_415(string contentType)
    {
        using var response = await Http().PostAsync("/graphql", Json(Body(ViewerQuery), contentType));
        var r = await GraphQLResponse.ReadAsync(response);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, r.Status);
        Assert.Equal(["UNSUPPORTED_MEDIA_TYPE"], r.ErrorCodes);
    }

    [Fact]
    public async Task A_post_without_content_type_gets_415()
    {
        using var content = new ByteArrayContent(Encoding.UTF8.GetBytes(Body(ViewerQuery)));
        using var response = await Http().PostAsync("/graphql", content);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
    }

    [Theory]
    [InlineData("{\"query\": ")]
    [InlineData("not json")]
    public async Task Malformed_json_gets_400(string body)
    {
        using var response = await Http().PostAsync("/graphql", Json(body));
        var r = await GraphQLResponse.ReadAsync(response);

        Assert.Equal(HttpStatusCode.BadRequest, r.Status);
        Assert.Equal(["INVALID_JSON"], r.ErrorCodes);
    }

    [Theory]
    [InlineData("{\"query\": 42}")]
    [InlineData("{\"query\": \"{ viewer { organization { name } } }\", \"variables\": [1]}")]
    [InlineData("\"just a string\"")]
    public async Task A_body_that_is_not_a_graphql_request_gets_400(string body)
    {
        using var response = await Http().PostAsync("/graphql", Json(body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Batching_is_refused_with_400()
    {
        var batch = JsonSerializer.Serialize(new[] { new { query = ViewerQuery }, new { query = ViewerQuery } });
        using var response = await Http().PostAsync("/graphql", Json(batch));
        var r = await GraphQLResponse.ReadAsync(response);

        Assert.Equal(HttpStatusCode.BadRequest, r.Status);
        Assert.Equal(["BATCHING_NOT_SUPPORTED"], r.ErrorCodes);
    }

    [Fact]
    public async Task An_unparsable_document_gets_400_without_data()
    {
        using var response = await Http().PostAsync("/graphql", Json(Body("{ viewer { ")));
        var r = await GraphQLResponse.ReadAsync(response);

        Assert.Equal(HttpStatusCode.BadRequest, r.Status);
        Assert.Equal(["SYNTAX_ERROR"], r.ErrorCodes);
        Assert.False(r.Body.TryGetProperty("data", out _));
    }

    [Fact]
    public async Task A_missing_query_gets_400()
    {
        using var response = await Http().PostAsync("/graphql", Json("{}"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task A_document_that_fails_validation_gets_422_without_data()
    {
        using var response = await Http().PostAsync("/graphql", Json(Body("{ viewer { nope } }")));
        var r = await GraphQLResponse.ReadAsync(response);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, r.Status);
        Assert.Equal(["FIELDS_ON_CORRECT_TYPE"], r.ErrorCodes);
        Assert.False(r.Body.TryGetProperty("data", out _));
    }

    [Theory]
    [InlineData("{ viewer { nope } }")]
    [InlineData("{ viewer { ")]
    public async Task Legacy_application_json_clients_get_200_for_well_formed_requests(string query)
    {
        using var response = await Http("application/json").PostAsync("/graphql", Json(Body(query)));
        var r = await GraphQLResponse.ReadAsync(response);

        Assert.Equal(HttpStatusCode.OK, r.Status);
        Assert.True(r.HasErrors);
        Assert.Equal("application/json; charset=utf-8", r.ContentType);
    }

    [Fact]
    public async Task Bodies_over_one_mebibyte_get_413()
    {
        var huge = JsonSerializer.Serialize(new { query = ViewerQuery, extensions = new { pad = new string('x', 1024 * 1024) } });
        using var response = await Http().PostAsync("/graphql", Json(huge));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task A_request_without_credentials_gets_401_with_a_graphql_error_body()
    {
        using var http = _app.CreateClient();
        http.DefaultRequestHeaders.TryAddWithoutValidation("Accept", GraphQLClient.Accept);
        using var response = await http.PostAsync("/graphql", Json(Body(ViewerQuery)));
        var r = await GraphQLResponse.ReadAsync(response);

        Assert.Equal(HttpStatusCode.Unauthorized, r.Status);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Equal(["UNAUTHENTICATED"], r.ErrorCodes);
        Assert.Equal("application/graphql-response+json; charset=utf-8", r.ContentType);
    }

    [Fact]
    public async Task Subscriptions_are_not_served_over_http()
    {
        using var response = await Http().PostAsync("/graphql", Json(Body("subscription { viewer { organization { name } } }")));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
    }
}
