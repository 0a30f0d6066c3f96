using Headless.Shared;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace Headless.Data;

/// <summary>
/// Stores an enum as its <see cref="WireEnum{T}"/> string ("ON_HOLD"), the text the columns held when statuses were
/// string constants: no data migration, and raw SQL that compares statuses as strings keeps working. HeadlessDbContext
/// applies it by convention to every enum property, so no status is ever stored as a number.
/// </summary>
public sealed class WireEnumConverter<T>() : ValueConverter<T, string>(v => WireEnum<T>.ToWire(v), s => WireEnum<T>.Parse(s))
    where T : struct, Enum;
