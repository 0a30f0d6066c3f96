using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Headless.Tests.Infrastructure;

/// <summary>Sends GraphQL documents the way a brand's backend would: POST /graphql with JSON.</summary>
public sealed class GraphQLClient
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>What the GraphQL over HTTP spec asks clients to send; without it the service answers application/json with legacy status codes.</summary>
    public const string Accept = "application/graphql-response+json, application/json;q=0.9";

    public GraphQLClient(HttpClient http, string? bearer)
    {
        Http = http;
        Http.DefaultRequestHeaders.TryAddWithoutValidation("Accept", Accept);
        if (bearer is not null)
        {
            Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }
    }

    public HttpClient Http { get; }

    public async Task<GraphQLResponse> PostAsync(string query, object? variables = null, string? operationName = null)
    {
        var body = JsonSerializer.Serialize(new { query, variables, operationName }, Json);
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        using var response = await Http.PostAsync("/graphql", content);
        return await GraphQLResponse.ReadAsync(response);
    }

    /// <summary>Posts and fails the test unless the response is 200 with data and no errors.</summary>
    public async Task<JsonElement> DataAsync(string query, object? variables = null)
    {
        var response = await PostAsync(query, variables);
        Assert.True(response.Status == HttpStatusCode.OK && !response.HasErrors, $"Expected data, got {(int)response.Status}: {response.Raw}");
        return response.Data;
    }
}

/// <summary>A GraphQL response as the client saw it.</summary>
public sealed record GraphQLResponse(HttpStatusCode Status, string? ContentType, string Raw, JsonElement Body)
{
    public JsonElement Data => Body.GetProperty("data");

    public bool HasErrors => Body.ValueKind == JsonValueKind.Object && Body.TryGetProperty("errors", out _);

    public IReadOnlyList<string> ErrorCodes =>
        Body.TryGetProperty("errors", out var errors)
            ? errors.EnumerateArray().Select(e => e.TryGetProperty("extensions", out var x) && x.TryGetProperty("code", out var c) ? c.GetString() ?? "" : "").ToList()
            : [];

    public static async Task<GraphQLResponse> ReadAsync(HttpResponseMessage response)
    {
        var raw = await response.Content.ReadAsStringAsync();
        var body = raw.Length == 0 ? default : JsonDocument.Parse(raw).RootElement.Clone();
        return new GraphQLResponse(response.StatusCode, response.Content.Headers.ContentType?.ToString(), raw, body);
    }
}

public static class JsonElementExtensions
{
    /// <summary>Follows a dotted path ("clinicCreate.userErrors").</summary>
    public static JsonElement At(this JsonElement element, string path)
    {
        foreach (var part in path.Split('.'))
        {
            element = int.TryParse(part, out var i) ? element[i] : element.GetProperty(part);
        }

        return element;
    }

    /// <summary>The codes of a payload's userErrors, in order.</summary>
    public static IReadOnlyList<string> UserErrorCodes(this JsonElement payload) =>
        payload.GetProperty("userErrors").EnumerateArray().Select(e => e.GetProperty("code").GetString()!).ToList();

    public static IReadOnlyList<string> UserErrorFields(this JsonElement payload) =>
        payload.GetProperty("userErrors").EnumerateArray()
            .Select(e => e.GetProperty("field").ValueKind == JsonValueKind.Null ? "" : string.Join('.', e.GetProperty("field").EnumerateArray().Select(f => f.GetString())))
            .ToList();
}
