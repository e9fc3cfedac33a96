using System.Net.Http.Headers;
using System.Security.Authentication;
using System.Text.RegularExpressions;
using ComfyDoctor.Agent.Demo;
using ComfyDoctor.Agent.Remote;
using ComfyDoctor.Server.Transport;

namespace ComfyDoctor.Server.Tests;

/// <summary>HTTPS end to end: a CA and server certificates made by the test, a real server on https://127.0.0.1, a real agent.</summary>
public sealed partial class TlsTests
{
    [Fact]
    public async Task An_agent_enrolls_and_scans_over_https_trusting_a_private_ca()
    {
        using var certificates = TestCertificates.Create();
        using var issued = certificates.Issue("comfydoctor-server");
        var (cert, key) = certificates.WritePem(issued);
        await using var server = await TestServer.StartAsync(url: "https://127.0.0.1:0", configure: o =>
            o with
            {
                Tls = new ServerTls(cert, key, null, null),
            }
        );
        Assert.Equal("https", server.Url.Scheme);
        var work = Path.Combine(certificates.Folder, "work");
        var demo = DemoInstallation.Create(Path.Combine(work, "demo"), checkpointMiB: 1);
        using var admin = Client(server.Url, certificates.CaFile, TestServer.AdminToken);
        Assert.Equal(
            HttpStatusCode.OK,
            (await admin.PostAsync("admin/models", new StringContent(await File.ReadAllTextAsync(demo.RegistryFile)))).StatusCode
        );

        var agent = TestServer.Agent(
            server.Url,
            "gpu-tls",
            demo.ComfyUiRoot,
            Path.Combine(work, "agent"),
            ServerConnection.Handler(certificates.CaFile)
        );
        Assert.False(await agent.PollOnceAsync(CancellationToken.None)); // enrolled over TLS
        Assert.Equal(
            HttpStatusCode.Accepted,
            (await admin.PostAsJsonAsync("admin/integrity-scan", new { workers = new[] { "gpu-tls" } })).StatusCode
        );
        Assert.True(await agent.PollOnceAsync(CancellationToken.None));

        var report = JsonDocument.Parse(await admin.GetStringAsync("admin/integrity-report/gpu-tls")).RootElement;
        Assert.Equal("done", report.GetProperty("status").GetString());
        Assert.Equal("red", report.GetProperty("health").GetProperty("models").GetString());
    }

    [Fact]
    public async Task A_server_certificate_from_another_ca_or_an_unknown_one_is_refused()
    {
        using var certificates = TestCertificates.Create();
        using var other = TestCertificates.Create("Some Other CA");
        using var issued = certificates.Issue("comfydoctor-server");
        var (cert, key) = certificates.WritePem(issued);
        await using var server = await TestServer.StartAsync(url: "https://127.0.0.1:0", configure: o =>
            o with
            {
                Tls = new ServerTls(cert, key, null, null),
            }
        );
        var demo = DemoInstallation.Create(Path.Combine(certificates.Folder, "demo"), checkpointMiB: 1);

        foreach (var handler in new[] { ServerConnection.Handler(other.CaFile), ServerConnection.Handler(null) })
        {
            var agent = TestServer.Agent(server.Url, "gpu-x", demo.ComfyUiRoot, Path.Combine(certificates.Folder, "agent"), handler);
            var refused = await Assert.ThrowsAsync<HttpRequestException>(() => agent.PollOnceAsync(CancellationToken.None));
            Assert.IsType<AuthenticationException>(refused.InnerException);
            Assert.Contains("--ca-cert FILE", ServerConnection.Describe(refused), StringComparison.Ordinal);
        }

        // Nothing reached the server: no worker enrolled.
        using var admin = Client(server.Url, certificates.CaFile, TestServer.AdminToken);
        Assert.Equal(0, JsonDocument.Parse(await admin.GetStringAsync("admin/workers")).RootElement.GetArrayLength());
    }

    [Fact]
    public async Task A_renewed_pkcs12_certificate_is_served_without_a_restart_and_a_half_written_one_is_not()
    {
        using var certificates = TestCertificates.Create();
        using var first = certificates.Issue("first");
        var pfx = certificates.WritePfx(first, "pfx-secret");
        await using var server = await TestServer.StartAsync(url: "https://127.0.0.1:0", configure: o =>
            o with
            {
                Tls = new ServerTls(null, null, pfx, "pfx-secret"),
            }
        );
        Assert.Equal("CN=first", await PresentedSubjectAsync(server.Url, certificates.CaFile));

        using var second = certificates.Issue("second");
        certificates.WritePfx(second, "pfx-secret");
        Assert.Equal("CN=second", await PresentedSubjectAsync(server.Url, certificates.CaFile));

        await File.WriteAllTextAsync(pfx, "not yet a certificate"); // a renewal caught mid-write
        File.SetLastWriteTimeUtc(pfx, DateTime.UtcNow.AddHours(1));
        Assert.Equal("CN=second", await PresentedSubjectAsync(server.Url, certificates.CaFile));
    }

    [Fact]
    public void Plain_http_to_a_host_that_is_not_this_machine_is_refused_before_connecting()
    {
        // 192.0.2.0/24 is TEST-NET-1 and the name below does not resolve: the refusal is decided from the URL alone.
        foreach (var url in new[] { "http://192.0.2.10:8470/", "http://comfydoctor.invalid:8470/", "http://[2001:db8::1]:8470/" })
        {
            var problem = ServerConnection.InsecureProblem(new Uri(url), allowInsecureHttp: false);
            Assert.NotNull(problem);
            Assert.Contains("--allow-insecure-http", problem, StringComparison.Ordinal);
            Assert.Contains("in clear", problem, StringComparison.Ordinal);
            Assert.Null(ServerConnection.InsecureProblem(new Uri(url), allowInsecureHttp: true));
        }

        foreach (var url in new[] { "http://127.0.0.1:8470/", "http://localhost:8470/", "http://[::1]:8470/", "https://192.0.2.10:8470/" })
        {
            Assert.Null(ServerConnection.InsecureProblem(new Uri(url), allowInsecureHttp: false));
        }
    }

    [Fact]
    public void Inconsistent_tls_options_are_refused_with_a_clear_error()
    {
        using var certificates = TestCertificates.Create();
        using var issued = certificates.Issue("s");
        var (cert, key) = certificates.WritePem(issued);
        var pfx = certificates.WritePfx(issued, "right");
        var cases = new (string Urls, ServerTls? Tls, string[] Proxies, string Expected)[]
        {
            ("https://127.0.0.1:0", null, [], "no certificate: give --tls-cert FILE --tls-key FILE or --tls-pfx FILE"),
            ("http://127.0.0.1:0", new ServerTls(cert, key, null, null), [], "has no https:// address"),
            ("https://127.0.0.1:0", new ServerTls(cert, null, null, null), [], "--tls-cert needs --tls-key"),
            ("https://127.0.0.1:0", new ServerTls(cert, key, pfx, null), [], "not both"),
            ("http://127.0.0.1:0", null, ["10.0.0.0/33"], "--trusted-proxy 10.0.0.0/33"),
        };
        foreach (var (urls, tls, proxies, expected) in cases)
        {
            var error = Assert.Throws<ServerConfigurationException>(() =>
                ServerHost.Build(
                    new ServerOptions(urls, null, Path.Combine(certificates.Folder, "data"))
                    {
                        AdminToken = TestServer.AdminToken,
                        EnrollToken = TestServer.EnrollToken,
                        Tls = tls,
                        TrustedProxies = proxies,
                    }
                )
            );
            Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        }

        var wrongPassword = Assert.ThrowsAny<System.Security.Cryptography.CryptographicException>(() =>
            ServerHost.Build(
                new ServerOptions("https://127.0.0.1:0", null, Path.Combine(certificates.Folder, "data"))
                {
                    Tls = new ServerTls(null, null, pfx, "wrong"),
                }
            )
        );
        Assert.Contains(pfx, wrongPassword.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true, "203.0.113.9")]
    [InlineData(false, "127.0.0.1")]
    public async Task Forwarded_client_addresses_are_believed_only_from_a_trusted_proxy(bool trusted, string recorded)
    {
        await using var server = await TestServer.StartAsync(configure: o =>
            o with
            {
                TrustedProxies = trusted ? ["127.0.0.1"] : ["10.1.2.3", "192.168.0.0/16"],
            }
        );
        using var browser = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false })
        {
            BaseAddress = server.Url,
        };
        var html = await browser.GetStringAsync("signin");
        var antiforgery = WebUtility.HtmlDecode(TokenInput().Match(html).Groups[1].Value);
        using var form = new FormUrlEncodedContent(
            new Dictionary<string, string> { ["token"] = "not-the-token-00000000", ["__RequestVerificationToken"] = antiforgery }
        );
        using var request = new HttpRequestMessage(HttpMethod.Post, "ui/signin") { Content = form };
        request.Headers.Add("X-Forwarded-For", "203.0.113.9");
        Assert.Equal(HttpStatusCode.Redirect, (await browser.SendAsync(request)).StatusCode);

        using var admin = server.Admin();
        var audit = JsonDocument.Parse(await admin.GetStringAsync("admin/audit")).RootElement;
        var signin = audit.EnumerateArray().Single(a => a.GetProperty("action").GetString() == "dashboard.signin");
        Assert.Equal(recorded, signin.GetProperty("target").GetString());
    }

    private static HttpClient Client(Uri server, string caFile, string token)
    {
        var http = new HttpClient(ServerConnection.Handler(caFile)) { BaseAddress = server };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }

    /// <summary>The subject of the certificate the server presents to a new connection (verified against the CA first).</summary>
    private static async Task<string> PresentedSubjectAsync(Uri server, string caFile)
    {
        string? subject = null;
        var handler = ServerConnection.Handler(caFile);
        var verify = handler.SslOptions.RemoteCertificateValidationCallback!;
        handler.SslOptions.RemoteCertificateValidationCallback = (sender, certificate, chain, errors) =>
        {
            subject = certificate?.Subject;
            return verify(sender, certificate, chain, errors);
        };
        using var http = new HttpClient(handler) { BaseAddress = server };
        Assert.Equal("ok", await http.GetStringAsync("healthz"));
        return subject!;
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex TokenInput();
}
