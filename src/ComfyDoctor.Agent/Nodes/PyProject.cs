using Tomlyn;
using Tomlyn.Model;
using Tomlyn.Parsing;

namespace ComfyDoctor.Agent.Nodes;

/// <summary>
/// <c>[project] name</c> and <c>version</c> of a <c>pyproject.toml</c>; nulls when absent, not strings, or when the file
/// is not valid TOML (duplicate keys included, as Python's <c>tomllib</c> and so pip reject them).
/// </summary>
public static class PyProject
{
    /// <summary>What a pack's <c>pyproject.toml</c> says about it; <see cref="Repository"/> is <c>[project.urls] Repository</c>.</summary>
    public sealed record Facts(string? Name, string? Version, string? Repository)
    {
        public static Facts None { get; } = new(null, null, null);
    }

    public static (string? Name, string? Version) Read(string text)
    {
        var facts = ReadFacts(text);
        return (facts.Name, facts.Version);
    }

    public static Facts ReadFacts(string text)
    {
        try
        {
            // the syntax pass validates what the model reader lets through (a key defined twice: last one wins there)
            if (
                !SyntaxParser.Parse(text, validate: true).HasErrors
                && TomlSerializer.Deserialize<TomlTable>(text) is { } model
                && model.TryGetValue("project", out var value)
                && value is TomlTable project
            )
            {
                var urls = project.TryGetValue("urls", out var u) ? u as TomlTable : null;
                return new Facts(
                    project.TryGetValue("name", out var n) ? n as string : null,
                    project.TryGetValue("version", out var v) ? v as string : null,
                    urls is not null && urls.TryGetValue("Repository", out var r) ? r as string : null
                );
            }
        }
        catch (TomlException)
        {
            // a broken pyproject.toml says nothing
        }

        return Facts.None;
    }

    public static (string? Name, string? Version) ReadFile(string path)
    {
        var facts = ReadFactsFile(path);
        return (facts.Name, facts.Version);
    }

    public static Facts ReadFactsFile(string path)
    {
        try
        {
            return File.Exists(path) ? ReadFacts(File.ReadAllText(path)) : Facts.None;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Facts.None;
        }
    }
}
