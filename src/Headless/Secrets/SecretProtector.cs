using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;
using Headless.Shared;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.WebUtilities;

namespace Headless.Secrets;

/// <summary>A secret that cannot be used: never encrypted, damaged, or under a key the key ring does not have. The message names no secret.</summary>
public sealed class SecretUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Encrypts and decrypts secrets at rest with ASP.NET Core Data Protection (authenticated encryption,
/// AES-256-CBC with HMAC-SHA256, keys from the shared key ring in the database). Callers decrypt at the point
/// of use and keep the plain text no longer than the call that needs it.
/// </summary>
public sealed class SecretProtector
{
    /// <summary>The Data Protection purpose of every secret at rest. Changing it makes every stored secret unreadable.</summary>
    public const string Purpose = "Headless.Secrets.v1";

    private readonly IPersistedDataProtector _protector;

    public SecretProtector(IDataProtectionProvider provider)
    {
        _protector = provider.CreateProtector(Purpose) as IPersistedDataProtector
            ?? throw new InvalidOperationException("The Data Protection provider does not support persisted payloads.");
    }

    /// <summary>Encrypts a plain secret under the key ring's current default key.</summary>
    /// <exception cref="ArgumentException">Empty, or longer than <see cref="ProtectedSecret.MaxPlainBytes"/> bytes of UTF-8.</exception>
    public ProtectedSecret Protect(string plain)
    {
        ArgumentNullException.ThrowIfNull(plain);
        var bytes = Encoding.UTF8.GetByteCount(plain);
        if (bytes is 0 or > ProtectedSecret.MaxPlainBytes)
        {
            throw new ArgumentException($"A secret must be 1 to {ProtectedSecret.MaxPlainBytes} bytes of UTF-8.", nameof(plain));
        }

        return ProtectedSecret.FromStored(ProtectedSecret.Prefix + _protector.Protect(plain));
    }

    /// <summary>Decrypts a secret for immediate use.</summary>
    /// <exception cref="SecretUnavailableException">The value is not protected, is damaged, or its key is missing or revoked.</exception>
    public string Reveal(ProtectedSecret secret)
    {
        ArgumentNullException.ThrowIfNull(secret);
        if (!secret.IsProtected)
        {
            // Plain text is never used, even a legacy value: only a value that authenticates was written by this service.
            throw new SecretUnavailableException("The secret is stored in plain text; start-up encrypts such values before they can be used.");
        }

        try
        {
            return _protector.Unprotect(secret.Stored[ProtectedSecret.Prefix.Length..]);
        }
        catch (CryptographicException ex)
        {
            throw new SecretUnavailableException("The secret cannot be decrypted: its Data Protection key is missing or revoked, or the value is damaged.", ex);
        }
    }

    /// <summary>Decrypts a secret when there is one and it can be used; false (and nothing) otherwise.</summary>
    public bool TryReveal(ProtectedSecret? secret, [NotNullWhen(true)] out string? plain)
    {
        plain = null;
        if (secret is null)
        {
            return false;
        }

        try
        {
            plain = Reveal(secret);
            return true;
        }
        catch (SecretUnavailableException)
        {
            return false;
        }
    }

    /// <summary>
    /// What start-up does with one stored value: the plain text to encrypt again (with the reason), or null when it is
    /// protected under the current default key already. A revoked key still opens here, so its values can move to a new key.
    /// </summary>
    /// <exception cref="SecretUnavailableException">The value is protected but cannot be decrypted at all.</exception>
    internal (string Plain, StoredSecretState State)? Inspect(ProtectedSecret secret)
    {
        if (!secret.IsProtected)
        {
            return (secret.Stored, StoredSecretState.PlainText);
        }

        try
        {
            var payload = WebEncoders.Base64UrlDecode(secret.Stored[ProtectedSecret.Prefix.Length..]);
            var plain = _protector.DangerousUnprotect(payload, ignoreRevocationErrors: true, out var requiresMigration, out var wasRevoked);
            return wasRevoked || requiresMigration ? (Encoding.UTF8.GetString(plain), StoredSecretState.OlderKey) : null;
        }
        catch (Exception ex) when (ex is CryptographicException or FormatException)
        {
            throw new SecretUnavailableException("The secret cannot be decrypted: its Data Protection key is missing or the value is damaged.", ex);
        }
    }
}

/// <summary>Why start-up encrypts a stored value again.</summary>
internal enum StoredSecretState
{
    /// <summary>Written before secrets were encrypted.</summary>
    PlainText,

    /// <summary>Protected under a key that is no longer the default (rotated) or that was revoked.</summary>
    OlderKey,
}
