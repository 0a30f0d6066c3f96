using GraphQL.Types;

namespace Headless.GraphQL;

/// <summary>A calendar date without time or zone, ISO 8601 ("1984-03-09").</summary>
public sealed class DateScalar : DateOnlyGraphType
{
    public DateScalar()
    {
        Name = "Date";
        Description = "A calendar date without time or time zone, written as ISO 8601 \"YYYY-MM-DD\".";
    }
}

/// <summary>An instant with its UTC offset, ISO 8601.</summary>
public sealed class DateTimeScalar : DateTimeOffsetGraphType
{
    public DateTimeScalar()
    {
        Name = "DateTime";
        Description = "An instant in time with its UTC offset, written as ISO 8601 (\"2026-11-25T14:03:00+00:00\").";
    }
}

/// <summary>64-bit integers for money in minor units.</summary>
public sealed class MinorUnitsScalar : LongGraphType
{
    public MinorUnitsScalar()
    {
        Name = "MinorUnits";
        Description = "A whole number of currency minor units (cents for USD), serialized as a JSON number. Never a fraction.";
    }
}
