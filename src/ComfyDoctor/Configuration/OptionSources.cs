using System.CommandLine;
using System.CommandLine.Help;
using ComfyDoctor.Cli.Commands;

namespace ComfyDoctor.Cli.Configuration;

/// <summary>
/// Every option of a command that takes <c>--config</c> can also come from the environment and from that file. Precedence:
/// the command line, then <c>COMFYDOCTOR_&lt;OPTION&gt;</c> (the option's name in capitals, dashes as underscores: --max-result-mb
/// is COMFYDOCTOR_MAX_RESULT_MB; lists comma-separated), then the file (COMFYDOCTOR_CONFIG names it when --config does not),
/// then the option's default. Values from the environment and the file are handed to the command's own parser, so they are
/// bound and validated exactly as typed ones; an error about one names its key.
/// </summary>
public static class OptionSources
{
    public const string EnvironmentPrefix = "COMFYDOCTOR_";

    /// <summary>The option every configurable command takes.</summary>
    public static Option<FileInfo?> ConfigOption() =>
        new("--config")
        {
            Description =
                "Read options from this JSON or YAML file (or COMFYDOCTOR_CONFIG); the command line and COMFYDOCTOR_* variables "
                + "win over it",
        };

    /// <summary>Where each option given by the environment or the file came from, by option name (<c>--urls</c>).</summary>
    public static IReadOnlyDictionary<string, string> Origins { get; private set; } = new Dictionary<string, string>();

    public static string EnvironmentName(Option option) =>
        EnvironmentPrefix + option.Name.TrimStart('-').Replace('-', '_').ToUpperInvariant();

    /// <summary>The arguments with the options the environment and the config file give added; the same ones when the command takes no
    /// --config.</summary>
    public static string[] Apply(ParseResult typed, string[] args, IReadOnlyDictionary<string, string>? environment = null)
    {
        var command = typed.CommandResult.Command;
        var config = command.Options.FirstOrDefault(o => o.Name == "--config");
        if (config is null)
        {
            return args;
        }

        var env = environment
            ?? Environment
                .GetEnvironmentVariables()
                .Cast<System.Collections.DictionaryEntry>()
                .ToDictionary(e => (string)e.Key, e => (string?)e.Value ?? "", StringComparer.Ordinal);
        var path =
            typed.GetResult(config) is { Implicit: false, Tokens: [var token, ..] } ? token.Value
            : env.GetValueOrDefault(EnvironmentName(config)) is { Length: > 0 } fromEnv ? fromEnv
            : null;
        var file = path is null ? ConfigFile.Empty : ConfigFile.Read(path);
        var options = command.Options.Where(o => o != config && o is not (HelpOption or VersionOption)).ToList();
        var byKey = options.ToDictionary(o => ConfigFile.Normalize(o.Name));
        var inFile = new Dictionary<Option, ConfigFile.Entry>();
        foreach (var entry in file.Entries)
        {
            if (!byKey.TryGetValue(ConfigFile.Normalize(entry.Key), out var option))
            {
                throw new UsageException(
                    $"{entry.Origin}: not an option of 'comfydoctor {CommandPath(typed)}' (known: "
                        + string.Join(", ", options.Select(o => o.Name.TrimStart('-')).Order(StringComparer.Ordinal))
                        + ")"
                );
            }

            inFile[option] = entry;
        }

        var extra = new List<string>();
        var origins = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var option in options.Where(o => typed.GetResult(o) is null or { Implicit: true }))
        {
            var name = EnvironmentName(option);
            if (env.GetValueOrDefault(name) is { Length: > 0 } value)
            {
                var many = option.ValueType.IsArray;
                Add(
                    option,
                    many ? value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : [value],
                    $"{name} (environment)"
                );
            }
            else if (inFile.TryGetValue(option, out var entry))
            {
                Add(option, entry.Values, entry.Origin);
            }
        }

        Origins = origins;
        return [.. args, .. extra];

        void Add(Option option, IReadOnlyList<string> values, string origin)
        {
            if (values.Count > 1 && !option.ValueType.IsArray)
            {
                throw new UsageException($"{origin}: {option.Name} takes one value, not a list");
            }

            foreach (var value in values)
            {
                extra.Add($"{option.Name}={value}"); // one token: a value that starts with a dash stays a value
            }

            origins[option.Name] = origin;
        }
    }

    /// <summary>A message about an option that came from the environment or the file, said with where it came from.</summary>
    public static string Explain(string message, Option? about = null)
    {
        var name = about?.Name
            ?? Origins.Keys.FirstOrDefault(k =>
                message.StartsWith(k, StringComparison.Ordinal) && (message.Length == k.Length || message[k.Length] is ' ' or ':' or '=')
            );
        return name is not null && Origins.TryGetValue(name, out var origin) ? $"{origin}: {message}" : message;
    }

    private static string CommandPath(ParseResult typed)
    {
        var names = new List<string>();
        for (var result = typed.CommandResult; result.Parent is System.CommandLine.Parsing.CommandResult parent; result = parent)
        {
            names.Insert(0, result.Command.Name);
        }

        return string.Join(' ', names);
    }
}
