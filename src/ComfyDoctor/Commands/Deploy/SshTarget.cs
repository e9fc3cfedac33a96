namespace ComfyDoctor.Cli.Commands.Deploy;

/// <summary>A host to deploy to: <c>ssh://[user@]host[:port]</c>.</summary>
public sealed record SshTarget(string Text, string? User, string Host, int? Port)
{
    public static SshTarget Parse(string text)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme != "ssh" || uri.Host.Length == 0)
        {
            throw new UsageException($"{text}: expected ssh://[user@]host[:port]");
        }

        if (
            uri.AbsolutePath is not ("" or "/")
            || uri.Query.Length > 0
            || uri.Fragment.Length > 0
            || uri.UserInfo.Contains(':', StringComparison.Ordinal)
        )
        {
            throw new UsageException($"{text}: expected ssh://[user@]host[:port], without a password, path or query");
        }

        var user = uri.UserInfo.Length > 0 ? Uri.UnescapeDataString(uri.UserInfo) : null;
        if (user is not null && (user.StartsWith('-') || user.Any(c => char.IsWhiteSpace(c) || char.IsControl(c))))
        {
            throw new UsageException($"{text}: '{user}' is not a user name");
        }

        return new SshTarget(text, user, uri.Host.Trim('[', ']'), uri.IsDefaultPort || uri.Port < 0 ? null : uri.Port);
    }

    /// <summary>What ssh is given as its destination.</summary>
    public string Destination => User is null ? Host : $"{User}@{Host}";
}
