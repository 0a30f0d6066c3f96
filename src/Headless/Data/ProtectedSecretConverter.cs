using Headless.Shared;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace Headless.Data;

/// <summary>
/// Stores a <see cref="ProtectedSecret"/> as its text, as is. It encrypts nothing itself: values are encrypted
/// before they reach an entity, so the model needs no service and no decryption runs when rows load.
/// </summary>
internal sealed class ProtectedSecretConverter() : ValueConverter<ProtectedSecret, string>(s => s.Stored, v => ProtectedSecret.FromStored(v));
