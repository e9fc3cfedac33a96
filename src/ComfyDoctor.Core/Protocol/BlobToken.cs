using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace ComfyDoctor.Core.Protocol;

/// <summary>
/// Tokens for an agent's blob server: the server signs <c>expiry</c> with the agent's blob key (HMAC-SHA256) and hands the
/// token to the peers it sends there; the agent checks it with the same key. <c>"{unix seconds}.{hex}"</c>.
/// </summary>
public static class BlobToken
{
    /// <summary>The longest a token may claim to be valid; the server issues them for hours, so a year-long one is forged.</summary>
    public static readonly TimeSpan MaxLifetime = TimeSpan.FromDays(1);

    public static string Issue(string blobKey, DateTimeOffset expires)
    {
        var expiry = expires.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        return expiry + "." + Convert.ToHexStringLower(Sign(blobKey, expiry));
    }

    public static bool IsValid(string blobKey, string? token, DateTimeOffset now)
    {
        var dot = token?.IndexOf('.', StringComparison.Ordinal) ?? -1;
        if (
            token is null
            || dot <= 0
            || !long.TryParse(token.AsSpan(0, dot), NumberStyles.None, CultureInfo.InvariantCulture, out var expiry)
            || expiry < now.ToUnixTimeSeconds()
            || expiry > (now + MaxLifetime).ToUnixTimeSeconds()
        )
        {
            return false;
        }

        byte[] given;
        try
        {
            given = Convert.FromHexString(token.AsSpan(dot + 1));
        }
        catch (FormatException)
        {
            return false;
        }

        return CryptographicOperations.FixedTimeEquals(given, Sign(blobKey, token[..dot]));
    }

    private static byte[] Sign(string blobKey, string expiry) =>
        HMACSHA256.HashData(Encoding.UTF8.GetBytes(blobKey), Encoding.UTF8.GetBytes("comfydoctor-blob:" + expiry));
}
