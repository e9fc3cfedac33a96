// What nearly every test of the server's HTTP API uses: status codes, JSON bodies, JsonElement.
global using System.Net;
global using System.Net.Http.Json;
global using System.Text.Json;
