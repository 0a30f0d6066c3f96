using System.Text.Json;
using GraphQL.Types;
using GraphQLParser.AST;

namespace Headless.GraphQL;

/// <summary>Arbitrary JSON (an event's payload), written as it is rather than as a string.</summary>
public sealed class JsonScalar : ScalarGraphType
{
    public JsonScalar()
    {
        Name = "JSON";
        Description = "Any JSON value, written as JSON (an object, an array, a string, a number, a boolean or null).";
    }

    public override object? Serialize(object? value) => value switch
    {
        null => null,
        string text => JsonDocument.Parse(text).RootElement.Clone(),
        JsonElement element => element,
        _ => JsonSerializer.SerializeToElement(value),
    };

    public override object? ParseValue(object? value) => value;

    public override object? ParseLiteral(GraphQLValue value) => value switch
    {
        GraphQLNullValue => null,
        GraphQLStringValue s => s.Value.ToString(),
        GraphQLBooleanValue b => b.BoolValue,
        GraphQLIntValue i => long.Parse(i.Value, System.Globalization.CultureInfo.InvariantCulture),
        GraphQLFloatValue f => double.Parse(f.Value, System.Globalization.CultureInfo.InvariantCulture),
        _ => ThrowLiteralConversionError(value),
    };
}
