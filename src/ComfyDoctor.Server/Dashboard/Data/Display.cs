using System.Globalization;
using ComfyDoctor.Core.Text;

namespace ComfyDoctor.Server.Dashboard.Data;

/// <summary>How the dashboard writes times (UTC, to the second) and untrusted text.</summary>
public static class Display
{
    /// <summary>
    /// A file name, worker name or message as shown: Razor HTML-encodes it, but a control or bidi character would still
    /// hide or reorder what the admin reads, so it is escaped as everywhere else (<see cref="Printable.Escape"/>). Only text
    /// shown: attribute values (form fields, data attributes) stay exact.
    /// </summary>
    public static string Text(string? text) => Printable.Escape(text);

    public static string Time(long unixMs) => Time(DateTimeOffset.FromUnixTimeMilliseconds(unixMs));

    public static string Time(DateTimeOffset at) =>
        at.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);
}
