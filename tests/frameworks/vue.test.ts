import { describeExample } from './example-suite.js'

describeExample('vue')
