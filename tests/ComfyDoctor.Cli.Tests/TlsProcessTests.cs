using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;

namespace ComfyDoctor.Cli.Tests;

/// <summary>The TLS options of the real program: a clear error for https without a certificate, plain http refused off this machine,
/// README's quick start.</summary>
public sealed class TlsProcessTests
{
    /// <summary>README's self-signed quick start, argument for argument (openssl 3).</summary>
    internal static readonly string[] QuickStartOpenSsl =
    [
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-days",
        "365",
        "-keyout",
        "server.key",
        "-out",
        "server.crt",
        "-subj",
        "/CN=comfydoctor.farm.lan",
        "-addext",
        "subjectAltName=DNS:comfydoctor.farm.lan,IP:127.0.0.1",
    ];

    [Fact]
    public async Task Https_without_a_certificate_is_one_clear_line_not_a_stack_trace()
    {
        using var dir = new TempDir();
        var result = await CliProcess.RunAsync(
            "server",
            "--urls",
            $"https://127.0.0.1:{FleetProcessTests.FreePort()}",
            "--data",
            dir.Combine("server")
        );
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(
            "has an https:// address but no certificate: give --tls-cert FILE --tls-key FILE or --tls-pfx FILE",
            result.StdErr,
            StringComparison.Ordinal
        );
        Assert.DoesNotContain("   at ", result.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_agent_and_admin_commands_refuse_plain_http_to_another_host_before_connecting()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.Combine("comfy"));
        // 192.0.2.10 (TEST-NET-1) routes nowhere: an answer within the test's time proves nothing was attempted.
        var workers = await InProcessCli.RunAsync("workers", "--server", "http://192.0.2.10:8470", "--token", "some-admin-token-0000");
        var agent = await CliProcess.RunAsync(
            "agent",
            "--server",
            "http://192.0.2.10:8470",
            "--comfyui",
            dir.Combine("comfy"),
            "--data",
            dir.Combine("agent"),
            "--enroll-token",
            "x"
        );
        foreach (var result in new[] { workers, agent })
        {
            Assert.Equal(2, result.ExitCode);
            Assert.Contains(
                "refusing http://192.0.2.10:8470/: plain http:// to a host that is not this machine would send the bearer token",
                result.StdErr,
                StringComparison.Ordinal
            );
            Assert.Contains("--allow-insecure-http", result.StdErr, StringComparison.Ordinal);
        }

        Assert.False(File.Exists(dir.Combine("agent", "agent-credential")));
    }

    [Fact]
    public async Task The_readme_quick_start_serves_https_that_the_cli_and_an_agent_trust_with_ca_cert()
    {
        using var dir = new TempDir();
        var openssl = await CliProcess.RunWithAsync("sh", null, ["-c", "cd \"$0\" && exec openssl \"$@\"", dir.Path, .. QuickStartOpenSsl]);
        Assert.True(openssl.ExitCode == 0, openssl.StdErr);
        var port = FleetProcessTests.FreePort();
        var url = $"https://127.0.0.1:{port}";
        var env = new Dictionary<string, string>
        {
            ["COMFYDOCTOR_ADMIN_TOKEN"] = "tls-admin-token-1234567890",
            ["COMFYDOCTOR_ENROLL_TOKEN"] = "tls-enroll-token-1234567890",
        };
        using var server = FleetProcessTests.Start(
            env,
            "server",
            "--urls",
            url,
            "--data",
            dir.Combine("server"),
            "--tls-cert",
            dir.Combine("server.crt"),
            "--tls-key",
            dir.Combine("server.key")
        );
        using var agent = FleetProcessTests.Start(
            env,
            "agent",
            "--server",
            url,
            "--ca-cert",
            dir.Combine("server.crt"),
            "--name",
            "gpu-tls",
            "--comfyui",
            Directory.CreateDirectory(dir.Combine("comfy")).FullName,
            "--data",
            dir.Combine("agent")
        );
        try
        {
            using var ca = X509CertificateLoader.LoadCertificateFromFile(dir.Combine("server.crt"));
            using var handler = new HttpClientHandler();
            handler.ServerCertificateCustomValidationCallback = (_, presented, _, _) => presented?.Thumbprint == ca.Thumbprint;
            using var http = new HttpClient(handler) { BaseAddress = new Uri(url + "/") };
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", env["COMFYDOCTOR_ADMIN_TOKEN"]);
            await FleetProcessTests.WaitUntilAsync(async () =>
                (await FleetProcessTests.TryGetAsync(http, "admin/workers"))?.GetArrayLength() == 1
            );

            string[] target = ["--server", url, "--token", env["COMFYDOCTOR_ADMIN_TOKEN"]];
            var trusted = await InProcessCli.RunAsync(["workers", "--json", "--ca-cert", dir.Combine("server.crt"), .. target]);
            Assert.True(trusted.ExitCode == 0, trusted.StdErr);
            Assert.Equal("gpu-tls", JsonDocument.Parse(trusted.StdOut).RootElement[0].GetProperty("name").GetString());

            var untrusted = await InProcessCli.RunAsync(["workers", "--json", .. target]);
            Assert.Equal(2, untrusted.ExitCode);
            Assert.Contains("SSL connection could not be established", untrusted.StdErr, StringComparison.Ordinal);
            Assert.Contains("--ca-cert FILE", untrusted.StdErr, StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("healthz")).StatusCode);
        }
        finally
        {
            agent.Kill(entireProcessTree: true);
            server.Kill(entireProcessTree: true);
        }
    }
}
