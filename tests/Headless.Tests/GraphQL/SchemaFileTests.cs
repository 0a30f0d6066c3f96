using GraphQL;
using GraphQL.Types;
using GraphQL.Utilities;
using GraphQL.Validation;
using Headless.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Headless.Tests.GraphQL;

/// <summary>schema/headless.graphql is the schema printed from the code; any difference is an API change to review.</summary>
public sealed class SchemaFileTests
{
    [Fact]
    public async Task The_checked_in_schema_matches_the_code()
    {
        await using var app = HeadlessApp.Sqlite();
        var schema = app.Services.GetRequiredService<ISchema>();
        schema.Initialize();
        var printed = schema.Print(new PrintOptions { IncludeDescriptions = true, IncludeDeprecationReasons = true }).ReplaceLineEndings("\n").TrimEnd() + "\n";
        var path = Path.Combine(RepositoryRoot(), "schema", "headless.graphql");

        if (Environment.GetEnvironmentVariable("HEADLESS_UPDATE_SCHEMA") == "1")
        {
            await File.WriteAllTextAsync(path, printed);
        }

        var onDisk = File.Exists(path) ? (await File.ReadAllTextAsync(path)).ReplaceLineEndings("\n") : "";
        Assert.True(onDisk == printed, "schema/headless.graphql differs from the code. Review the change, then run the tests once with HEADLESS_UPDATE_SCHEMA=1 to rewrite it.");
    }

    /// <summary>The sample operations are what a brand copies first: each must still be valid against the schema.</summary>
    [Fact]
    public async Task Every_sample_operation_is_valid_against_the_schema()
    {
        await using var app = HeadlessApp.Sqlite();
        var schema = app.Services.GetRequiredService<ISchema>();
        schema.Initialize();
        var files = Directory.GetFiles(Path.Combine(RepositoryRoot(), "samples", "operations"), "*.graphql");
        Assert.True(files.Length >= 20, $"Expected the sample operations, found {files.Length} files.");
        var problems = new List<string>();
        foreach (var file in files)
        {
            var document = GraphQLParser.Parser.Parse(await File.ReadAllTextAsync(file));
            foreach (var operation in document.Definitions.OfType<GraphQLParser.AST.GraphQLOperationDefinition>())
            {
                var result = await app.Services.GetRequiredService<IDocumentValidator>().ValidateAsync(new ValidationOptions
                {
                    Schema = schema,
                    Document = document,
                    Operation = operation,
                    Rules = DocumentValidator.CoreRules,
                    Variables = Inputs.Empty,
                    Extensions = Inputs.Empty,
                    UserContext = new Dictionary<string, object?>(),
                    RequestServices = app.Services,
                });
                // The documents are checked without variables: a required variable's missing value is not a problem here.
                problems.AddRange(result.Errors
                    .Where(e => !e.Message.Contains("No value provided for a non-null variable", StringComparison.Ordinal))
                    .Select(e => $"{Path.GetFileName(file)}: {e.Message}"));
            }
        }

        Assert.Empty(problems);
    }

    [Fact]
    public async Task Every_type_field_argument_and_enum_value_has_a_description()
    {
        await using var app = HeadlessApp.Sqlite();
        var schema = app.Services.GetRequiredService<ISchema>();
        schema.Initialize();
        var missing = new List<string>();
        foreach (var type in schema.AllTypes.Where(t => !t.Name.StartsWith("__", StringComparison.Ordinal)))
        {
            if (string.IsNullOrWhiteSpace(type.Description) && type is not ScalarGraphType { Name: "String" or "Int" or "Boolean" or "ID" or "Float" })
            {
                missing.Add(type.Name);
            }

            if (type is IComplexGraphType complex)
            {
                foreach (var field in complex.Fields)
                {
                    if (string.IsNullOrWhiteSpace(field.Description))
                    {
                        missing.Add($"{type.Name}.{field.Name}");
                    }

                    missing.AddRange((field.Arguments ?? []).Where(a => string.IsNullOrWhiteSpace(a.Description)).Select(a => $"{type.Name}.{field.Name}({a.Name})"));
                }
            }

            if (type is EnumerationGraphType e)
            {
                missing.AddRange(e.Values.Where(v => string.IsNullOrWhiteSpace(v.Description)).Select(v => $"{type.Name}.{v.Name}"));
            }
        }

        Assert.Empty(missing);
    }

    private static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Headless.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("Headless.sln not found above the test binaries.");
    }
}
