using System.Text.RegularExpressions;

namespace ComfyDoctor.Cli.Tests;

/// <summary>
/// Issue 18.6: every option of server, agent, agent install and deploy from the command line, COMFYDOCTOR_* or --config
/// (JSON or YAML), in that order; errors name the key they came from; secrets from files, never on a README command line.
/// <c>agent install --dry-run</c> prints the agent.env it would write: the options as they were bound.
/// </summary>
public sealed partial class OptionSourcesTests
{
    [Fact]
    public async Task The_command_line_beats_the_environment_which_beats_the_config_file_which_beats_the_default()
    {
        using var dir = new TempDir();
        var config = dir.Combine("agent.yaml");
        await File.WriteAllTextAsync(config, "name: from-file\ntags: [a, b]\nserver: https://from-file.farm.lan:8470\n");
        var env = new Dictionary<string, string> { ["COMFYDOCTOR_CONFIG"] = config, ["COMFYDOCTOR_NAME"] = "from-env" };

        var fromFileAndEnv = await DryRunAsync(dir, env);
        Assert.Contains("COMFYDOCTOR_NAME='from-env'", fromFileAndEnv, StringComparison.Ordinal);
        Assert.Contains("COMFYDOCTOR_TAGS='a,b'", fromFileAndEnv, StringComparison.Ordinal);
        Assert.Contains("COMFYDOCTOR_SERVER='https://from-file.farm.lan:8470/'", fromFileAndEnv, StringComparison.Ordinal);

        var fromCli = await DryRunAsync(dir, env, "--name", "from-cli");
        Assert.Contains("COMFYDOCTOR_NAME='from-cli'", fromCli, StringComparison.Ordinal);

        var json = dir.Combine("agent.json");
        await File.WriteAllTextAsync(
            json,
            """{ "set": ["max-transfers=4"], "server": "https://json.farm.lan:8470", "name": "from-json" }"""
        );
        var fromJson = await DryRunAsync(dir, new() { ["COMFYDOCTOR_CONFIG"] = json, ["COMFYDOCTOR_SET"] = "max-transfers=3" });
        Assert.Contains("COMFYDOCTOR_NAME='from-json'", fromJson, StringComparison.Ordinal);
        Assert.Contains("COMFYDOCTOR_MAX_TRANSFERS='3'", fromJson, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bad_value_is_refused_at_start_naming_the_key_it_came_from()
    {
        using var dir = new TempDir();
        var yaml = dir.Combine("server.yaml");
        await File.WriteAllTextAsync(yaml, "urls: http://127.0.0.1:0\nmax-resutl-mb: 3\n");
        var unknown = await CliProcess.RunAsync("server", "--config", yaml, "--data", dir.Combine("data"));
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains(
            $"{yaml}:2: max-resutl-mb: not an option of 'comfydoctor server' (known: ",
            unknown.StdErr,
            StringComparison.Ordinal
        );

        var env = await CliProcess.RunAsync(
            new Dictionary<string, string> { ["COMFYDOCTOR_MAX_RESULT_MB"] = "lots" },
            "server",
            "--data",
            dir.Combine("data")
        );
        Assert.Equal(2, env.ExitCode);
        Assert.Contains(
            "COMFYDOCTOR_MAX_RESULT_MB (environment): Cannot parse argument 'lots' for option '--max-result-mb'",
            env.StdErr,
            StringComparison.Ordinal
        );

        await File.WriteAllTextAsync(yaml, "urls: http://127.0.0.1:0\nmax-result-mb: 9000\n");
        var range = await CliProcess.RunAsync("server", "--config", yaml, "--data", dir.Combine("data"));
        Assert.Equal(2, range.ExitCode);
        Assert.Contains($"{yaml}:2: max-result-mb: --max-result-mb must be between 1 and 4096", range.StdErr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(dir.Combine("data")));
    }

    [Fact]
    public async Task Secrets_come_from_files_that_other_users_cannot_read()
    {
        using var dir = new TempDir();
        var token = dir.Combine("admin-token");
        await File.WriteAllTextAsync(token, "a-token-from-a-file-0123456789\n");
        File.SetUnixFileMode(token, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        var open = await CliProcess.RunAsync(
            "server",
            "--admin-token-file",
            token,
            "--urls",
            "http://127.0.0.1:0",
            "--data",
            dir.Combine("data")
        );
        Assert.Equal(2, open.ExitCode);
        Assert.Contains(
            $"--admin-token-file {token}: readable by every user of this machine; chmod 600 it",
            open.StdErr,
            StringComparison.Ordinal
        );

        var empty = dir.Combine("enroll-token");
        await File.WriteAllTextAsync(empty, "\n");
        File.SetUnixFileMode(empty, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var blank = await CliProcess.RunAsync(
            new Dictionary<string, string> { ["COMFYDOCTOR_ENROLL_TOKEN_FILE"] = empty },
            "server",
            "--urls",
            "http://127.0.0.1:0",
            "--data",
            dir.Combine("data")
        );
        Assert.Equal(2, blank.ExitCode);
        Assert.Contains(
            $"COMFYDOCTOR_ENROLL_TOKEN_FILE (environment): --enroll-token-file {empty}: empty",
            blank.StdErr,
            StringComparison.Ordinal
        );
    }

    [Fact]
    public void No_readme_example_puts_a_secret_on_a_command_line()
    {
        var readme = File.ReadAllText(Path.Combine(PublishedExecutable.RepositoryRoot, "README.md"));
        Assert.Empty(SecretOnCommandLine().Matches(readme).Select(m => m.Value));
    }

    private static async Task<string> DryRunAsync(TempDir dir, Dictionary<string, string> env, params string[] args)
    {
        var result = await CliProcess.RunAsync(
            env,
            [
                "agent",
                "install",
                "--dry-run",
                "--no-systemd",
                "--comfyui",
                Directory.CreateDirectory(dir.Combine("comfy")).FullName,
                "--user",
                Environment.UserName,
                "--prefix",
                dir.Combine("opt"),
                "--state",
                dir.Combine("state"),
                "--config-dir",
                dir.Combine("etc"),
                "--cache",
                dir.Combine("cache"),
                .. args,
            ]
        );
        Assert.True(result.ExitCode == 0, result.StdErr);
        return result.StdOut;
    }

    /// <summary>A token, key or password as an option's value (a file holding it is fine).</summary>
    [GeneratedRegex(@"--(token|enroll-token|admin-token|viewer-token|metrics-token|master-key)[ =](?!FILE)\S+|Password=[^;\s""'`]+")]
    private static partial Regex SecretOnCommandLine();
}
