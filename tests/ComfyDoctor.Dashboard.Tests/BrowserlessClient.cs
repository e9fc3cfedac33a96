using System.Net;
using System.Text.RegularExpressions;

namespace ComfyDoctor.Dashboard.Tests;

/// <summary>A cookie-keeping HTTP client that signs in the way the sign-in form does (anti-forgery token included).</summary>
public sealed partial class BrowserlessClient : IDisposable
{
    private readonly HttpClient _http;

    public BrowserlessClient(Uri server)
    {
        Cookies = new CookieContainer();
        _http = new HttpClient(new HttpClientHandler { CookieContainer = Cookies, AllowAutoRedirect = false }) { BaseAddress = server };
        _http.DefaultRequestHeaders.Accept.ParseAdd("text/html");
    }

    public CookieContainer Cookies { get; }

    public HttpClient Http => _http;

    /// <summary>The anti-forgery token of the form on <paramref name="page"/>.</summary>
    public async Task<string> FormTokenAsync(string page)
    {
        var html = await _http.GetStringAsync(page);
        return TokenInput().Match(html) is { Success: true } m
            ? WebUtility.HtmlDecode(m.Groups[1].Value)
            : throw new InvalidOperationException($"no anti-forgery token on {page}");
    }

    public async Task<HttpResponseMessage> SignInAsync(string token) =>
        await PostFormAsync("/ui/signin", new() { ["token"] = token, ["__RequestVerificationToken"] = await FormTokenAsync("/signin") });

    public async Task<HttpResponseMessage> PostFormAsync(string path, Dictionary<string, string> fields)
    {
        using var form = new FormUrlEncodedContent(fields);
        return await _http.PostAsync(path, form);
    }

    public void Dispose() => _http.Dispose();

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex TokenInput();
}
