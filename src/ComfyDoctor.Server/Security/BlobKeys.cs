using System.Security.Cryptography;
using System.Text;

namespace ComfyDoctor.Server.Security;

/// <summary>
/// Each agent's blob-signing key at rest: AES-256-GCM under a key derived (HKDF-SHA256) from the server's master key, bound
/// to the worker's id, so the database alone — a copy, a backup, a PostgreSQL replica — yields no key that signs a token.
/// The master key lives outside the database (option, <c>COMFYDOCTOR_MASTER_KEY</c> or the 0600 file
/// <c>&lt;data&gt;/master-key</c>); server replicas on one database share it like the admin token.
/// Stored form: <c>aesgcm1:</c> + base64(nonce ‖ ciphertext ‖ tag). A value without that prefix is a plain key from an
/// older version (<see cref="BlobKeyMigration"/> protects those at start).
/// </summary>
public sealed class BlobKeys
{
    public const string Prefix = "aesgcm1:";
    private const int NonceBytes = 12;
    private const int TagBytes = 16;
    private readonly byte[] _key;

    public BlobKeys(string masterKey) =>
        _key = HKDF.DeriveKey(
            HashAlgorithmName.SHA256,
            Encoding.UTF8.GetBytes(masterKey),
            32,
            info: "comfydoctor blob-key protection v1"u8.ToArray()
        );

    public static bool IsProtected(string stored) => stored.StartsWith(Prefix, StringComparison.Ordinal);

    /// <summary>A new random key for <paramref name="workerId"/>, as stored.</summary>
    public string New(string workerId) => Protect(workerId, Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)));

    public string Protect(string workerId, string key)
    {
        var plain = Encoding.UTF8.GetBytes(key);
        var sealedKey = new byte[NonceBytes + plain.Length + TagBytes];
        var nonce = sealedKey.AsSpan(0, NonceBytes);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_key, TagBytes);
        aes.Encrypt(
            nonce,
            plain,
            sealedKey.AsSpan(NonceBytes, plain.Length),
            sealedKey.AsSpan(NonceBytes + plain.Length),
            Encoding.UTF8.GetBytes(workerId)
        );
        return Prefix + Convert.ToBase64String(sealedKey);
    }

    /// <summary>The key as the agent holds it; a plain (older) value as it is.</summary>
    /// <exception cref="InvalidDataException">The value was protected under another master key, or altered.</exception>
    public string Reveal(string workerId, string stored)
    {
        if (!IsProtected(stored))
        {
            return stored;
        }

        try
        {
            var sealedKey = Convert.FromBase64String(stored[Prefix.Length..]);
            var plain = new byte[sealedKey.Length - NonceBytes - TagBytes];
            using var aes = new AesGcm(_key, TagBytes);
            aes.Decrypt(
                sealedKey.AsSpan(0, NonceBytes),
                sealedKey.AsSpan(NonceBytes, plain.Length),
                sealedKey.AsSpan(NonceBytes + plain.Length),
                plain,
                Encoding.UTF8.GetBytes(workerId)
            );
            return Encoding.UTF8.GetString(plain);
        }
        catch (Exception e) when (e is CryptographicException or FormatException or OverflowException or ArgumentException)
        {
            throw new InvalidDataException(
                "a blob-signing key in the database cannot be opened with this server's master key: "
                    + "every server on one database must be given the same master key "
                    + "(COMFYDOCTOR_MASTER_KEY, or the same <data>/master-key file)",
                e
            );
        }
    }
}
