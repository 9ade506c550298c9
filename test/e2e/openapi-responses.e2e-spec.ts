import { Controller, Get, HttpCode, Module } from '@nestjs/common';
import { ApiOkResponse, ApiProperty } from '@nestjs/swagger';
import { Public } from '@rcp/auth';
import { startTestApp } from '@rcp/testing';

type App = Awaited<ReturnType<typeof startTestApp>>;

class ThingResponse {
  @ApiProperty() name: string;
  @ApiProperty({ type: 'integer' }) count: number;
}

/** Test-only: endpoints whose answers fit their documented response, drift from it, or use an undocumented status. */
@Controller('v1/test-only/things')
class ThingsController {
  @Get('fits')
  @Public()
  @ApiOkResponse({ type: ThingResponse, description: 'A thing' })
  fits(): ThingResponse {
    return { name: 'a', count: 1 };
  }

  @Get('drifted')
  @Public()
  @ApiOkResponse({ type: ThingResponse, description: 'A thing' })
  drifted(): object {
    return { name: 'a', total: 1 }; // `count` renamed: what a response class that drifted from its handler looks like
  }

  @Get('teapot')
  @Public()
  @HttpCode(418)
  @ApiOkResponse({ type: ThingResponse, description: 'A thing' })
  teapot(): ThingResponse {
    return { name: 'a', count: 1 };
  }
}

@Module({ controllers: [ThingsController] })
class ThingsModule {}

describe('every e2e response is checked against /docs-json (e2e)', () => {
  let t: App;
  beforeAll(async () => {
    t = await startTestApp({}, undefined, { extraModules: [ThingsModule] });
  });
  afterAll(() => t.close());

  it('lets a response through that fits its documented schema', async () => {
    expect((await t.http().get('/v1/test-only/things/fits')).body).toEqual({ name: 'a', count: 1 });
  });

  it('fails a request whose body drifted from its response class, naming each difference', async () => {
    const err = await t.http().get('/v1/test-only/things/drifted').then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err?.message).toContain('does not match /docs-json');
    expect(err?.message).toContain('GET /v1/test-only/things/drifted → 200: $: lacks required count');
    expect(err?.message).toContain('GET /v1/test-only/things/drifted → 200: $.total: not declared in the response schema');
  });

  it('fails a request answered with a status the document does not list', async () => {
    await expect(t.http().get('/v1/test-only/things/teapot')).rejects.toThrow(/status 418 is not documented/);
  });

  it('checks a problem a real endpoint answers against ProblemDto (an unknown code is a finding)', async () => {
    const res = await t.http().get('/v1/tenants');
    expect(res.status).toBe(401);
    expect(t.responses!.problems('GET', '/v1/tenants', { ...res, body: { ...res.body, code: 'oops' } })).toEqual([
      expect.stringContaining('$.code: "oops" is not one of'),
    ]);
  });
});
