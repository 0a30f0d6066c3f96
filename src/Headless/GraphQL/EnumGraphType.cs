using GraphQL.Types;
using Headless.Shared;

namespace Headless.GraphQL;

/// <summary>
/// The GraphQL enum of a C# status enum: value names are the members' <see cref="WireEnum{T}"/> strings (the same
/// text the database and the JSON payloads hold), descriptions come from the members' [Description], and the type's
/// name and description from the enum's [Name] (when it differs from the C# name) and [Description]. Arguments of
/// the type parse to the enum member.
/// </summary>
public sealed class EnumGraphType<TEnum> : EnumerationGraphType<TEnum>
    where TEnum : struct, Enum
{
    protected override string ChangeEnumCase(string val) => WireEnum<TEnum>.ToWire(Enum.Parse<TEnum>(val));
}
