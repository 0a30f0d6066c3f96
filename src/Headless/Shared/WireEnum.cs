using System.Collections.Frozen;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Headless.Shared;

/// <summary>
/// Gives an enum member the string it is known by outside the process when that is not the SCREAMING_SNAKE_CASE
/// of its name. Stored strings never change once written, so a member renamed later keeps its old string this way.
/// </summary>
[AttributeUsage(AttributeTargets.Field)]
public sealed class WireNameAttribute(string name) : Attribute
{
    public string Name { get; } = name;
}

/// <summary>
/// The one mapping between a status enum and its strings: the database column (<c>Data.WireEnumConverter</c>), the
/// GraphQL enum value (<c>GraphQL.EnumGraphType</c>), event, outbox and webhook JSON (<see cref="WireEnumJsonConverter"/>)
/// and text in messages and logs all use it, so "ON_HOLD" is written the same everywhere. A member's string is the
/// SCREAMING_SNAKE_CASE of its name (OnHold is "ON_HOLD") unless <see cref="WireNameAttribute"/> names another.
/// </summary>
public static class WireEnum<T>
    where T : struct, Enum
{
    private static readonly (T Value, string Wire)[] s_members = Enum.GetValues<T>()
        .Select(v => (v, WireEnum.NameOf(typeof(T).GetField(v.ToString(), BindingFlags.Public | BindingFlags.Static)!)))
        .ToArray();

    private static readonly FrozenDictionary<T, string> s_toWire = s_members.ToFrozenDictionary(m => m.Value, m => m.Wire);

    private static readonly FrozenDictionary<string, T> s_fromWire = s_members.ToFrozenDictionary(m => m.Wire, m => m.Value, StringComparer.Ordinal);

    /// <summary>Every member with its string, in declaration order.</summary>
    public static IReadOnlyList<(T Value, string Wire)> Members => s_members;

    public static string ToWire(T value) =>
        s_toWire.TryGetValue(value, out var wire) ? wire : throw new ArgumentOutOfRangeException(nameof(value), value, $"{typeof(T).Name} has no member {value}.");

    /// <summary>The member whose string this is, compared exactly; false for anything else (including null).</summary>
    public static bool TryParse(string? wire, out T value)
    {
        if (wire is not null && s_fromWire.TryGetValue(wire, out value))
        {
            return true;
        }

        value = default;
        return false;
    }

    /// <summary>The member whose string this is. Throws for a string no member has: stored data that does not fit the code is a bug, not input.</summary>
    public static T Parse(string wire) =>
        TryParse(wire, out var value) ? value : throw new FormatException($"'{wire}' is not a {typeof(T).Name}.");
}

public static class WireEnum
{
    /// <summary>The member's string: "ON_HOLD" for OnHold, as stored, in GraphQL, in JSON and in messages.</summary>
    public static string ToWire<T>(this T value)
        where T : struct, Enum => WireEnum<T>.ToWire(value);

    internal static string NameOf(FieldInfo member) =>
        member.GetCustomAttribute<WireNameAttribute>()?.Name ?? ScreamingSnakeCase(member.Name);

    /// <summary>"PendingPayment" to "PENDING_PAYMENT": an underscore before each capital that follows a lower-case letter or a digit.</summary>
    public static string ScreamingSnakeCase(string name)
    {
        var result = new StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            if (i > 0 && char.IsUpper(name[i]) && (char.IsLower(name[i - 1]) || char.IsDigit(name[i - 1])))
            {
                result.Append('_');
            }

            result.Append(char.ToUpperInvariant(name[i]));
        }

        return result.ToString();
    }
}

/// <summary>Writes and reads every enum as its <see cref="WireEnum{T}"/> string in JSON payloads.</summary>
public sealed class WireEnumJsonConverter : JsonConverterFactory
{
    public override bool CanConvert(Type typeToConvert) => typeToConvert.IsEnum;

    public override JsonConverter CreateConverter(Type typeToConvert, JsonSerializerOptions options) =>
        (JsonConverter)Activator.CreateInstance(typeof(Converter<>).MakeGenericType(typeToConvert))!;

    private sealed class Converter<T> : JsonConverter<T>
        where T : struct, Enum
    {
        public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.TokenType == JsonTokenType.String && WireEnum<T>.TryParse(reader.GetString(), out var value)
                ? value
                : throw new JsonException($"Expected a {typeof(T).Name} string.");

        public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options) => writer.WriteStringValue(WireEnum<T>.ToWire(value));
    }
}
