// For tools that read .ts alone (the linter): vue-tsc reads App.vue itself.
declare module '*.vue' {
  import type { DefineComponent } from 'vue'
  const component: DefineComponent<object, object, unknown>
  export default component
}
