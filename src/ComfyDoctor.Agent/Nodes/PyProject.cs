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
    public static (string? Name, string? Version) Read(string text)
    {
        try
        {
            // the syntax pass validates what the model reader lets through (a key defined twice: last one wins there)
            if (!SyntaxParser.Parse(text, validate: true).HasErrors
                && TomlSerializer.Deserialize<TomlTable>(text) is { } model && model.TryGetValue("project", out var value) && value is TomlTable project)
            {
                return (project.TryGetValue("name", out var n) ? n as string : null, project.TryGetValue("version", out var v) ? v as string : null);
            }
        }
        catch (TomlException)
        {
            // a broken pyproject.toml says nothing
        }

        return (null, null);
    }

    public static (string? Name, string? Version) ReadFile(string path)
    {
        try
        {
            return File.Exists(path) ? Read(File.ReadAllText(path)) : (null, null);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return (null, null);
        }
    }
}
