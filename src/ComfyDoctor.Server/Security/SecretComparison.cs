using System.Security.Cryptography;
using System.Text;

namespace ComfyDoctor.Server.Security;

/// <summary>Compares a secret someone presented with the one configured, in time that does not depend on where they
/// differ (admin, viewer and metrics tokens, the enroll token, the dashboard's sign-in).</summary>
public static class SecretComparison
{
    /// <summary>True when <paramref name="given"/> equals <paramref name="expected"/>; a missing value on either side
    /// never matches.</summary>
    public static bool Matches(string? given, string? expected) =>
        given is not null
        && expected is not null
        && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), Encoding.UTF8.GetBytes(expected));
}
