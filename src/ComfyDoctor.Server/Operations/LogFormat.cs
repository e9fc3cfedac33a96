namespace ComfyDoctor.Server.Operations;

/// <summary><c>--log-format</c> of <c>server</c> and <c>agent</c>.</summary>
public enum LogFormat
{
    /// <summary>One line per entry for people (<c>warn: Category[id] message</c>), untrusted text escaped.</summary>
    Text,

    /// <summary>One JSON object per line (timestamp, level, category, event id, message and its fields) for log shippers.</summary>
    Json,

    /// <summary>One line per entry with its syslog priority (<c>&lt;4&gt;</c>) for journald, untrusted text escaped.</summary>
    Systemd,
}
