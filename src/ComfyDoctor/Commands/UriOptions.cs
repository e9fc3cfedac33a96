using System.CommandLine;

namespace ComfyDoctor.Cli.Commands;

/// <summary>Options whose value is an absolute http(s) URL, refused with a clear message otherwise.</summary>
public static class UriOptions
{
    public static Option<Uri?> Http(string name, string description) =>
        new(name)
        {
            Description = description,
            CustomParser = result =>
            {
                var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
                if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https")
                {
                    return uri;
                }

                result.AddError($"{name} {text}: expected an absolute http:// or https:// URL");
                return null;
            },
        };
}
