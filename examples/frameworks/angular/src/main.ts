import { provideHttpClient, withInterceptors } from '@angular/common/http'
import { provideZonelessChangeDetection } from '@angular/core'
import { bootstrapApplication } from '@angular/platform-browser'
import { provideTokenSession, tokenSessionInterceptor } from 'token-refresh-machine/angular'
import { createExampleSession, loadExampleConfig } from '../../shared/example-session'
import { inspectorFromQuery } from '../../shared/inspector'
import { AppComponent, EXAMPLE_CONFIG } from './app.component'

// The session exists before Angular bootstraps, once per page; HttpClient calls go through it.
void loadExampleConfig().then((config) =>
  bootstrapApplication(AppComponent, {
    providers: [
      provideZonelessChangeDetection(),
      provideTokenSession(createExampleSession(config, inspectorFromQuery())),
      provideHttpClient(withInterceptors([tokenSessionInterceptor])),
      { provide: EXAMPLE_CONFIG, useValue: config },
    ],
  }),
)
