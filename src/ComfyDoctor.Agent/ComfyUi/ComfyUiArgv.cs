using ComfyDoctor.Core.Inventory;

namespace ComfyDoctor.Agent.ComfyUi;

/// <summary>
/// Reads the path options out of a running ComfyUI's <c>sys.argv</c> as its argparse parser (<c>comfy/cli_args.py</c>)
/// read them: <c>--opt value</c> and <c>--opt=value</c>, the last one winning; <c>--extra-model-paths-config</c> takes one
/// or more values each time it appears (<c>nargs='+'</c>, <c>action='append'</c>); an unambiguous abbreviation
/// (<c>--base-dir</c>) counts, as argparse allows them; <c>--</c> ends the options.
/// </summary>
public static class ComfyUiArgv
{
    private const string BaseDirectory = "--base-directory";
    private const string ModelsDirectory = "--models-directory";
    private const string OutputDirectory = "--output-directory";
    private const string ExtraConfig = "--extra-model-paths-config";

    /// <summary>Each option with the shortest abbreviation that ComfyUI's other options leave unambiguous.</summary>
    private static readonly (string Name, int MinLength)[] Options =
    [
        (BaseDirectory, "--ba".Length),
        (ModelsDirectory, "--mo".Length),
        (OutputDirectory, "--ou".Length),
        (ExtraConfig, "--ex".Length),
    ];

    public static ComfyUiArguments? Parse(IReadOnlyList<string>? argv)
    {
        if (argv is null || argv.Count == 0)
        {
            return null;
        }

        string? baseDirectory = null,
            models = null,
            output = null;
        var configs = new List<string>();
        for (var i = 1; i < argv.Count; i++)
        {
            var arg = argv[i];
            if (arg == "--")
            {
                break;
            }

            var eq = arg.IndexOf('=', StringComparison.Ordinal);
            var name = Resolve(eq > 0 ? arg[..eq] : arg);
            if (name is null)
            {
                continue;
            }

            var values = new List<string>();
            if (eq > 0)
            {
                values.Add(arg[(eq + 1)..]);
            }

            while ((values.Count == 0 || (name == ExtraConfig && eq <= 0)) && i + 1 < argv.Count && !argv[i + 1].StartsWith('-'))
            {
                values.Add(argv[++i]);
            }

            if (values.Count == 0)
            {
                continue; // argparse refuses this: ComfyUI could not have started with it
            }

            switch (name)
            {
                case BaseDirectory:
                    baseDirectory = values[^1];
                    break;
                case ModelsDirectory:
                    models = values[^1];
                    break;
                case OutputDirectory:
                    output = values[^1];
                    break;
                default:
                    configs.AddRange(values);
                    break;
            }
        }

        return new ComfyUiArguments(argv[0], baseDirectory, models, output, configs);
    }

    private static string? Resolve(string option)
    {
        if (!option.StartsWith("--", StringComparison.Ordinal))
        {
            return null;
        }

        var exact = Options.FirstOrDefault(o => o.Name == option).Name;
        return exact
            ?? Options.FirstOrDefault(o => option.Length >= o.MinLength && o.Name.StartsWith(option, StringComparison.Ordinal)).Name;
    }
}
