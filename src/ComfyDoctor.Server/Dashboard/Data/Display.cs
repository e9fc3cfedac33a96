using System.Globalization;

namespace ComfyDoctor.Server.Dashboard.Data;

/// <summary>How the dashboard writes times: UTC, to the second.</summary>
public static class Display
{
    public static string Time(long unixMs) => Time(DateTimeOffset.FromUnixTimeMilliseconds(unixMs));

    public static string Time(DateTimeOffset at) => at.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);
}
