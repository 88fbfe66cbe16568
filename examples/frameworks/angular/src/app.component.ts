import { HttpClient } from '@angular/common/http'
import { ChangeDetectionStrategy, Component, DestroyRef, InjectionToken, computed, effect, inject, signal } from '@angular/core'
import { injectSessionStatus, TOKEN_SESSION } from 'token-refresh-machine/angular'
import type { Subscription } from 'rxjs'
import { countLoad, probe, signInWithLogin, type ExampleConfig, type ItemList } from '../../shared/example-session'

export const EXAMPLE_CONFIG = new InjectionToken<ExampleConfig>('example config')

@Component({
  selector: 'app-root',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <main>
      <h1>token-refresh-machine · Angular</h1>
      <p>
        Session:
        <output class="status" data-testid="status" [attr.data-status]="status()">{{ status() }}</output>
      </p>
      <button data-testid="sign-in" (click)="signIn()">Sign in</button>
      <button data-testid="sign-out" (click)="signOut()">Sign out</button>
      @if (signedIn()) {
        <section>
          <ul data-testid="items">
            @for (item of list()?.items ?? []; track item.id) {
              <li>{{ item.name }}</li>
            }
          </ul>
          <p class="loads" data-testid="loads">
            {{ list() ? 'signed in as ' + list()!.sub + ' · ' : '' }}{{ loads().ok }} loads ok · {{ loads().failed }} failed
          </p>
        </section>
      }
    </main>
  `,
})
export class AppComponent {
  private readonly session = inject(TOKEN_SESSION)
  private readonly config = inject(EXAMPLE_CONFIG)
  private readonly http = inject(HttpClient)
  readonly status = injectSessionStatus() // a signal, set only when the status changes
  readonly signedIn = computed(() => this.status() === 'active' || this.status() === 'refreshing')
  readonly list = signal<ItemList | null>(null)
  readonly loads = signal({ ok: 0, failed: 0 })

  constructor() {
    probe.mountEffects++
    // Load the list every few hundred ms while signed in, through HttpClient and the interceptor.
    effect((onCleanup) => {
      if (!this.signedIn()) return
      const inFlight = new Set<Subscription>()
      const load = () => {
        const request = this.http.get<ItemList>(`${this.config.api}/items`).subscribe({
          next: (list) => {
            countLoad('ok')
            this.list.set(list)
            this.loads.update((seen) => ({ ...seen, ok: seen.ok + 1 }))
          },
          error: () => {
            countLoad('failed')
            this.loads.update((seen) => ({ ...seen, failed: seen.failed + 1 }))
          },
        })
        inFlight.add(request)
        request.add(() => inFlight.delete(request))
      }
      load()
      const timer = setInterval(load, this.config.loadEveryMs)
      // Unsubscribing aborts a load, also one waiting for a refresh.
      onCleanup(() => {
        clearInterval(timer)
        for (const request of inFlight) request.unsubscribe()
      })
    })
    inject(DestroyRef).onDestroy(() => this.session.dispose())
  }

  signIn(): void {
    void signInWithLogin(this.session, this.config)
  }

  signOut(): void {
    void this.session.signOut()
  }
}
