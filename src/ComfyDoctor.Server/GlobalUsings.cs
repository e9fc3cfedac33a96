// What most of the server's files use: the store (its context and rows, EF Core's queries) and minimal-API routing.
global using ComfyDoctor.Server.Store;
global using Microsoft.AspNetCore.Builder;
global using Microsoft.AspNetCore.Http;
global using Microsoft.AspNetCore.Routing;
global using Microsoft.EntityFrameworkCore;
