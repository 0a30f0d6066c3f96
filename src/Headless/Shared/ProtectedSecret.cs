namespace Headless.Shared;

/// <summary>
/// A secret as the database holds it: Data Protection ciphertext behind <see cref="Prefix"/>, never the plain text.
/// Only <c>Secrets.SecretProtector</c> makes one (Protect) or opens one (Reveal), so an entity, a log line, an
/// exception or a GraphQL resolver that gets hold of a secret property has nothing it could leak.
/// <para>
/// Declaring a property of this type is all a new secret needs: HeadlessDbContext maps every such property by
/// convention (a converter to its stored text, at most <see cref="StoredMaxLength"/> characters), and start-up
/// encrypts any value that is still plain text (see README "Secrets at rest").
/// </para>
/// </summary>
public sealed class ProtectedSecret : IEquatable<ProtectedSecret>
{
    /// <summary>Marks a protected value; its absence marks a value written before secrets were encrypted.</summary>
    public const string Prefix = "dp1:";

    /// <summary>The longest plain secret, in UTF-8 bytes (the old plain columns held 500 characters).</summary>
    public const int MaxPlainBytes = 500;

    /// <summary>Column width: the prefix and the base64url ciphertext of <see cref="MaxPlainBytes"/> fit with room to spare.</summary>
    public const int StoredMaxLength = 1000;

    private ProtectedSecret(string stored) => Stored = stored;

    /// <summary>The column's text: the prefix and the ciphertext (or, before start-up encrypted it, a legacy plain value).</summary>
    public string Stored { get; }

    /// <summary>False only for a legacy plain-text value that start-up has not encrypted yet.</summary>
    public bool IsProtected => Stored.StartsWith(Prefix, StringComparison.Ordinal);

    /// <summary>Wraps a column's text as read from the database.</summary>
    internal static ProtectedSecret FromStored(string stored) => new(stored);

    /// <summary>Never the value: a secret that reaches a log template or an interpolated message shows as this.</summary>
    public override string ToString() => "[protected]";

    public bool Equals(ProtectedSecret? other) => other is not null && string.Equals(Stored, other.Stored, StringComparison.Ordinal);

    public override bool Equals(object? obj) => Equals(obj as ProtectedSecret);

    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Stored);
}
